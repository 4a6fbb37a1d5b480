package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error-bounded automatic bits (the {@code auto} level), after AC-GC (Evans and Aamodt, NeurIPS
 * 2021): each layer gets the fewest bits, from 1 to 8, for which the error that compressing its
 * saved activation adds to its parameter gradient is provably within {@code e^2} times that
 * gradient's squared norm, in expectation over the rounding:
 *
 * <pre>
 *   E ||g~ - g||^2  &lt;=  V(b)  =  Q / (2^b - 1)^2  &lt;=  e^2 ||g||^2
 * </pre>
 *
 * where {@code e^2} is {@link ActNNConfig#getErrorBound()} and {@code Q} bounds the error at one
 * quantization step: the activation's largest steps ({@link ErrorModel}) weighted by the output
 * gradient the layer mixes them with. Per kind of layer ({@code docs/levels.md} has the
 * derivations; {@code v_i} is element {@code i}'s variance bound at one step, {@link
 * ElementVariances}: its group's {@code u}, or 0 for an element the format restores exactly):
 *
 * <ul>
 *   <li>convolution: {@code Q = sum_(n, p) (sum_k dy[n, k, p]^2) * (sum of v over the channels and
 *       the receptive window of p)} ({@link ConvolutionWindow}; per channel block of a grouped
 *       convolution, windows exchanged for a transposed one), exact but for the rounding's {@code f
 *       (1 - f) <= 1/4}; {@code g} the weight gradient;
 *   <li>linear: {@code Q = sum_rows ||dy_row||^2 * sum_features v}, exact likewise, {@code g} the
 *       weight gradient;
 *   <li>batch normalisation (which saves the standardised input and re-centres it in backward):
 *       {@code Q = sum_i u_i (dy_i - mean_c(dy))^2}, the error of {@code dgamma}; layer
 *       normalisation: {@code Q = sum invstd^2 u_max ||dy||^2} over rows; {@code g} the parameters'
 *       gradient, of which {@code ||dbeta||^2} (exact, from {@code dy}) is the part always known;
 *   <li>other layers: a first-order model ({@code ||dy_n||^2} times the mean element variance),
 *       {@code g} the input gradient: an estimate, not a bound.
 * </ul>
 *
 * <p>These are bounds of the expectation over stochastic rounding, whose errors are independent
 * and of mean zero. With nearest rounding the errors are deterministic and the policy uses
 * AC-GC's own form, Cauchy-Schwarz over the products of each gradient entry with {@code |error|
 * <= step / 2} per element, which needs more bits.
 *
 * <p><b>Widths between integers.</b> A layer whose bound lies between two integer widths is not
 * rounded up to the wider one: a fraction {@code p} of its samples, drawn afresh at random in
 * every call, gets the width {@code b} and the others {@code b - 1}. The errors of different
 * samples are independent and the error bound is a sum over samples ({@code Q = sum_n Q_n}), so
 * over the draw and the rounding {@code E ||g~ - g||^2 <= Q (p / (2^b - 1)^2 + (1 - p) / (2^(b-1)
 * - 1)^2)} for any batch; {@code p} is the least fraction that keeps this within the bound,
 * rounded up to whole samples. Since {@code 1 / (2^b - 1)^2} is convex in {@code b}, mixing the
 * two neighbouring widths is the cheapest way to reach a variance between them.
 *
 * <p>AC-GC's schedule: the quantities are measured in the compressed backward of the first step
 * and then every {@link ActNNConfig#getAutoInterval()} steps, kept for the last {@link #HISTORY}
 * measurements, and the bits chosen from the means of {@code Q} and of {@code ||g||^2}; in between
 * the bits stay fixed and nothing is measured. A measured {@code ||g~||^2} includes the error of
 * the bits it was measured at; the model's bound of that error is subtracted, so that the estimate
 * of {@code ||g||^2} is never inflated by the compression. A layer that reports no gradient keeps
 * the initial bits.
 */
public final class ErrorBoundedBitPolicy implements BitPolicy {

    /** How many measurements are averaged (AC-GC's history length). */
    public static final int HISTORY = 10;

    private static final Logger logger = LoggerFactory.getLogger(ErrorBoundedBitPolicy.class);

    private final Map<ActivationSite, Site> sites = new LinkedHashMap<>();
    private final long seed;
    private ActNNConfig config;
    private long step = -1;
    private boolean measuring;

    /**
     * Creates the policy.
     *
     * @param config the configuration
     */
    public ErrorBoundedBitPolicy(ActNNConfig config) {
        this.config = config;
        this.seed = config.getSeed();
    }

    /** One measurement of a site: the error at one step and the gradient's squared norm. */
    private static final class Measurement {
        final double q;
        final double gradient;

        Measurement(double q, double gradient) {
            this.q = q;
            this.gradient = gradient;
        }
    }

    /** What the policy knows about one site. */
    private static final class Site {
        final String name;
        final ActivationSite.Kind kind;
        final int ordinal;
        /** The wider of the site's two widths; {@link #upperFraction} of the samples get it. */
        int bits;
        /** The fraction of samples at {@link #bits}; the others get one bit fewer. */
        double upperFraction = 1;
        /** Calls of the site in this step: each draws its own samples for the wider width. */
        int calls;
        final Deque<ForwardMeasurement> forwards = new ArrayDeque<>();
        double q;
        double gradientClean;
        double gradientNoisy;
        int observed;
        boolean silentReported;
        final Deque<Measurement> history = new ArrayDeque<>();

        Site(ActivationSite site, int bits, int ordinal) {
            this.name = site.toString();
            this.kind = site.getKind();
            this.bits = bits;
            this.ordinal = ordinal;
        }

        /** The expected bits of a sample. */
        double averageBits() {
            return bits - (1 - upperFraction);
        }

        void resetStep() {
            calls = 0;
            forwards.clear();
            q = 0;
            gradientClean = 0;
            gradientNoisy = 0;
            observed = 0;
        }
    }

    @Override
    public synchronized void beginStep(ActNNConfig stepConfig, long[] sampleIndices) {
        config = stepConfig;
        step++;
        measuring = step % config.getAutoInterval() == 0;
        for (Site s : sites.values()) {
            s.resetStep();
        }
    }

    @Override
    public synchronized boolean needsStats(ActivationSite site) {
        return measuring;
    }

    @Override
    public synchronized int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        Site s = sites.computeIfAbsent(site, k -> new Site(k, config.getInitialBits(), sites.size()));
        int[] bits = FixedBitPolicy.uniform(s.bits, samples);
        int upper = upperSamples(s.upperFraction, samples);
        if (upper < samples) {
            // which samples get the wider width must not depend on the data: a fresh random
            // subset per call keeps the bound an expectation over any batch
            SplittableRandom random = new SplittableRandom(seed ^ (step * 0x9E3779B97F4A7C15L)
                    ^ ((long) s.ordinal << 32) ^ s.calls);
            int[] order = new int[samples];
            for (int i = 0; i < samples; i++) {
                order[i] = i;
            }
            for (int i = 0; i < samples - upper; i++) {
                int j = i + random.nextInt(samples - i);
                int chosen = order[j];
                order[j] = order[i];
                order[i] = chosen;
                bits[chosen] = s.bits - 1;
            }
        }
        s.calls++;
        if (measuring && stats != null) {
            // the correction of the measured gradient uses the narrowest width's (larger) error
            int narrowest = upper < samples ? s.bits - 1 : s.bits;
            s.forwards.addLast(ForwardMeasurement.of(site, stats, narrowest, config.isStochastic()));
        }
        return bits;
    }

    /** The samples of a call that get the wider width: the fraction rounded up to whole samples. */
    static int upperSamples(double upperFraction, int samples) {
        if (upperFraction >= 1) {
            return samples;
        }
        return (int) Math.min(samples, Math.ceil(upperFraction * samples));
    }

    @Override
    public synchronized boolean wantsGradients(ActivationSite site) {
        return measuring;
    }

    @Override
    public synchronized boolean wantsGradientNorm(ActivationSite site) {
        return measuring;
    }

    @Override
    public synchronized void observeGradient(ActivationSite site, NDArray gradOutput) {
        // Layer normalisations report only their output gradient: dbeta is all they need.
        observeGradients(site, gradOutput, null);
    }

    @Override
    public synchronized boolean wantsProductGradients(ActivationSite site) {
        return wantsGradients(site) || wantsGradientNorm(site);
    }

    /** The bound of a product's left factor is a linear layer's: the row-paired gradient is its dy. */
    @Override
    public synchronized void observeProductGradients(ActivationSite site, NDArray pairedGradient, NDArray fed) {
        observeGradients(site, pairedGradient, fed);
    }

    @Override
    public synchronized void observeGradients(ActivationSite site, NDArray gradOutput, NDArray fed) {
        ForwardMeasurement f = pending(site);
        if (f == null || gradOutput == null) {
            return;
        }
        Shape ys = gradOutput.getShape();
        if (ys.dimension() == 0 || f.shape.dimension() == 0 || PackedLayout.samples(ys) != PackedLayout.samples(f.shape)) {
            return;
        }
        add(sites.get(site), f, f.stochastic
                ? ExpectedErrorBounds.of(site, f, gradOutput, fed)
                : NearestErrorBounds.of(site, f, gradOutput, fed));
    }

    /** The forward measurement of the site's call whose backward runs now, or null. */
    private ForwardMeasurement pending(ActivationSite site) {
        Site s = sites.get(site);
        if (!measuring || s == null || s.forwards.isEmpty()) {
            return null;
        }
        // The backward runs in reverse: the last forward of the site is the first backward.
        return s.forwards.removeLast();
    }

    private static void add(Site s, ForwardMeasurement f, ErrorTerms terms) {
        if (terms == null) {
            return;
        }
        // Several calls of one layer in a step: their errors are independent and add up. The
        // measured gradient contains the error of the bits it was computed at: its bound is
        // subtracted, so that the estimate of ||g||^2 is never inflated by the compression.
        double q = terms.bound();
        s.q += q;
        s.gradientClean += terms.exactGradient();
        s.gradientNoisy += Math.max(0, terms.measuredGradient() - q / levels2(f.bits));
        s.observed++;
    }

    private static double levels2(int bits) {
        double levels = (1 << bits) - 1;
        return levels * levels;
    }

    @Override
    public synchronized void observeGradientNorm(ActivationSite site, double squaredNorm) {
        // Everything arrives through observeGradients, which the layers' reports call.
    }

    @Override
    public synchronized void endBackward() {
        if (!measuring) {
            return;
        }
        double bound = config.getErrorBound();
        int measured = 0;
        double bitsSum = 0;
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            Site s = e.getValue();
            if (s.observed == 0) {
                if (!s.forwards.isEmpty() && !s.silentReported) {
                    s.silentReported = true;
                    logger.info("ActNN auto: {} reports no gradient statistics: it keeps {} bits", s.name, s.bits);
                }
                continue;
            }
            s.history.addLast(new Measurement(s.q, s.gradientClean + s.gradientNoisy));
            while (s.history.size() > HISTORY) {
                s.history.removeFirst();
            }
            double q = meanQ(s);
            double gradient = meanGradient(s);
            int chosen = chooseBits(q, gradient, bound);
            double fraction = upperFraction(q, gradient, bound, chosen);
            if (logger.isDebugEnabled()) {
                // Q / ||g||^2 is the e^2 that 1 bit would need; a width b needs it over (2^b - 1)^2
                logger.debug("ActNN auto bits {}: {} -> {} at {} of the samples (Q / ||g||^2 = {})", s.name, s.bits,
                        chosen, String.format("%.3f", fraction), String.format("%.4g", q / gradient));
            }
            s.bits = chosen;
            s.upperFraction = fraction;
            measured++;
            bitsSum += s.averageBits();
        }
        if (measured > 0) {
            logger.info("ActNN auto (e^2 = {}): step {}, {} layers measured, {} bits per layer on average",
                    bound, step, measured, String.format("%.2f", bitsSum / measured));
        }
    }

    private static double meanQ(Site s) {
        double sum = 0;
        for (Measurement m : s.history) {
            sum += m.q;
        }
        return sum / s.history.size();
    }

    private static double meanGradient(Site s) {
        double sum = 0;
        for (Measurement m : s.history) {
            sum += m.gradient;
        }
        return sum / s.history.size();
    }

    /**
     * Returns the fewest bits from 1 to 8 whose error bound {@code q / (2^b - 1)^2} is within
     * {@code bound * gradSquared}, or 8 if none is (or the inputs are not finite).
     *
     * @param q the error bound at one quantization step
     * @param gradSquared the gradient's squared norm
     * @param bound e^2
     * @return the bits
     */
    static int chooseBits(double q, double gradSquared, double bound) {
        if (!(q >= 0) || Double.isInfinite(q) || !(gradSquared >= 0)) {
            return 8;
        }
        for (int b = 1; b < 8; b++) {
            if (q / levels2(b) <= bound * gradSquared) {
                return b;
            }
        }
        return 8;
    }

    /**
     * Returns the least fraction {@code p} of samples at {@code bits} (the others at {@code bits -
     * 1}) with {@code q (p / (2^b - 1)^2 + (1 - p) / (2^(b-1) - 1)^2) <= bound * gradSquared}:
     * 1 when {@code bits} is 1 or 8 was chosen because nothing fits, and 1 when the narrower width
     * alone keeps the bound too (then {@link #chooseBits} would have chosen it).
     *
     * @param q the error bound at one quantization step
     * @param gradSquared the gradient's squared norm
     * @param bound e^2
     * @param bits the fewest integer width within the bound ({@link #chooseBits})
     * @return the fraction, in (0, 1]
     */
    static double upperFraction(double q, double gradSquared, double bound, int bits) {
        if (bits <= 1 || !(q > 0) || Double.isInfinite(q) || !(gradSquared >= 0)) {
            return 1;
        }
        double wide = q / levels2(bits);
        double narrow = q / levels2(bits - 1);
        double allowed = bound * gradSquared;
        if (wide > allowed) {
            return 1; // 8 bits and still over: nothing to trade
        }
        double p = (narrow - allowed) / (narrow - wide);
        return p > 0 ? Math.min(1, p) : 1;
    }

    @Override
    public synchronized String describe() {
        return "auto (e^2 = " + config.getErrorBound() + ", every " + config.getAutoInterval() + " steps)";
    }

    /**
     * Returns the current width of each site, for reports and tests: every sample gets at most this
     * many bits, and all but {@link #averageBits() a fraction} of them exactly this many; the
     * others get one bit fewer.
     *
     * @return the wider width by site
     */
    public synchronized Map<ActivationSite, Integer> currentBits() {
        Map<ActivationSite, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            out.put(e.getKey(), e.getValue().bits);
        }
        return out;
    }

    /**
     * Returns the average bits per sample of each site: its width less the fraction of samples
     * that get one bit fewer (before each call rounds the wider width's share up to whole
     * samples).
     *
     * @return the average bits by site
     */
    public synchronized Map<ActivationSite, Double> averageBits() {
        Map<ActivationSite, Double> out = new LinkedHashMap<>();
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            out.put(e.getKey(), e.getValue().averageBits());
        }
        return out;
    }

    /**
     * Returns the model's bound of the error that {@code bits} would add to a site's gradient,
     * {@code E ||g~ - g||^2 <= Q / (2^b - 1)^2}, from the measurements so far.
     *
     * @param site the site
     * @param bits 1 to 8
     * @return the bound, or empty before the site's first measurement
     */
    public synchronized OptionalDouble modelledError(ActivationSite site, int bits) {
        Site s = sites.get(site);
        return s == null || s.history.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(meanQ(s) / levels2(bits));
    }

    /**
     * Returns the estimate of a site's gradient squared norm {@code ||g||^2} that the bound is
     * relative to, from the measurements so far.
     *
     * @param site the site
     * @return the estimate, or empty before the site's first measurement
     */
    public synchronized OptionalDouble gradientEstimate(ActivationSite site) {
        Site s = sites.get(site);
        return s == null || s.history.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(meanGradient(s));
    }
}
