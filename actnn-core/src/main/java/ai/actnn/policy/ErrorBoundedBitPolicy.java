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
 * derivations):
 *
 * <ul>
 *   <li>convolution: {@code Q = sum_n ||dy_n||^2 * kernelArea * sum_c u_max(n, c)}, {@code g} the
 *       weight gradient (a bound for dense, strided, padded, dilated and transposed convolutions);
 *   <li>linear: {@code Q = sum_rows ||dy_row||^2 * sum_features u}, exact but for the rounding's
 *       {@code f (1 - f) <= 1/4}, {@code g} the weight gradient;
 *   <li>batch and layer normalisation: {@code Q = sum invstd^2 u_max ||dy||^2} over (sample,
 *       channel) or rows, the error of {@code dgamma}; {@code g} the parameters' gradient, of
 *       which {@code ||dbeta||^2} (exact, from {@code dy}) is the part always known;
 *   <li>other layers: a first-order model ({@code ||dy_n||^2} times the mean element variance),
 *       {@code g} the input gradient: an estimate, not a bound.
 * </ul>
 *
 * <p>These are bounds of the expectation over stochastic rounding, whose errors are independent
 * and of mean zero. With nearest rounding the errors are deterministic and the policy uses
 * AC-GC's own form, Cauchy-Schwarz over the products of each gradient entry with {@code |error|
 * <= step / 2} per element, which needs more bits.
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
    }

    /** What the forward of a measurement step learnt about one saved activation. */
    private static final class Forward {
        /** The activation's shape. */
        Shape shape;
        /** Per unit (see {@link ErrorModel#perUnit}): the group terms' maxima or sums. */
        double[] units;
        /** Per channel or row: 1 / variance (normalisations only). */
        double[] inverseVariances;
        /** The bits it was saved with. */
        int bits;
        /** Whether the rounding is stochastic (else nearest: deterministic errors). */
        boolean stochastic;
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
        int bits;
        final Deque<Forward> forwards = new ArrayDeque<>();
        double q;
        double gradientClean;
        double gradientNoisy;
        int observed;
        boolean silentReported;
        final Deque<Measurement> history = new ArrayDeque<>();

        Site(ActivationSite site, int bits) {
            this.name = site.toString();
            this.kind = site.getKind();
            this.bits = bits;
        }

        void resetStep() {
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
        Site s = sites.computeIfAbsent(site, k -> new Site(k, config.getInitialBits()));
        if (measuring && stats != null) {
            s.forwards.addLast(forward(site, stats, s.bits, config.isStochastic()));
        }
        return FixedBitPolicy.uniform(s.bits, samples);
    }

    /** The activation side of the model, per kind of layer. */
    private static Forward forward(ActivationSite site, GroupStats stats, int bits, boolean stochastic) {
        Forward f = new Forward();
        f.bits = bits;
        f.stochastic = stochastic;
        f.shape = stats.getShape();
        int n = PackedLayout.samples(f.shape);
        long features = PackedLayout.featuresPerSample(f.shape);
        double[] u = ErrorModel.groupTerms(stats);
        int g = stats.getGroupSize();
        switch (site.getKind()) {
            case CONV:
                f.units = ErrorModel.perUnit(u, n, features, g, features / channels(f.shape), true);
                break;
            case BATCH_NORM:
                f.units = ErrorModel.perUnit(u, n, features, g, features / channels(f.shape), true);
                f.inverseVariances = ErrorModel.inverseVariances(stats.tensor(), true);
                break;
            case LINEAR:
                f.units = ErrorModel.perUnit(u, n, features, g, lastAxis(f.shape), false);
                break;
            case LAYER_NORM:
                f.units = ErrorModel.perUnit(u, n, features, g, lastAxis(f.shape), true);
                f.inverseVariances = ErrorModel.inverseVariances(stats.tensor(), false);
                break;
            default:
                // per sample: the mean element term
                f.units = ErrorModel.perUnit(u, n, features, g, features, false);
                for (int i = 0; i < f.units.length; i++) {
                    f.units[i] /= Math.max(1, features);
                }
        }
        return f;
    }

    private static long channels(Shape shape) {
        return shape.dimension() >= 2 ? Math.max(1, shape.get(1)) : 1;
    }

    private static long lastAxis(Shape shape) {
        return shape.dimension() >= 2 ? Math.max(1, shape.get(shape.dimension() - 1)) : 1;
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
    public synchronized void observeGradients(ActivationSite site, NDArray gradOutput, NDArray fed) {
        Site s = sites.get(site);
        if (!measuring || s == null || s.forwards.isEmpty() || gradOutput == null) {
            return;
        }
        // The backward runs in reverse: the last forward of the site is the first backward.
        Forward f = s.forwards.removeLast();
        double[] terms = gradientTerms(site, f, gradOutput, fed);
        if (terms == null) {
            return;
        }
        // Several calls of one layer in a step: their errors are independent and add up.
        s.q += terms[0] * roundingFactor(terms[3]);
        s.gradientClean += terms[1];
        s.gradientNoisy += Math.max(0, terms[2] - terms[0] * roundingFactor(terms[3]) / levels2(f.bits));
        s.observed++;
    }

    /**
     * Returns {Q (at one step, without the rounding allowance), the exact part of ||g||^2, the
     * measured part of ||g~||^2, terms per gradient entry}, or null if the shapes do not fit the
     * model.
     */
    private static double[] gradientTerms(ActivationSite site, Forward f, NDArray dy, NDArray fed) {
        Shape xs = f.shape;
        Shape ys = dy.getShape();
        int n = PackedLayout.samples(xs);
        if (ys.dimension() == 0 || PackedLayout.samples(ys) != n || xs.dimension() == 0) {
            return null;
        }
        if (!f.stochastic) {
            return deterministicTerms(site, f, dy, fed);
        }
        switch (site.getKind()) {
            case CONV: {
                long c = channels(xs);
                double[] norms = SampleNorms.squared(dy);
                double q = 0;
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int k = 0; k < c; k++) {
                        sum += f.units[(int) (i * c + k)];
                    }
                    q += norms[i] * site.getKernelArea() * sum;
                }
                long outChannels = ys.dimension() >= 2 ? Math.max(1, ys.get(1)) : 1;
                double terms = (double) dy.size() / outChannels;
                return new double[] {q, 0, fed == null ? 0 : ErrorModel.squaredNorm(fed), terms};
            }
            case LINEAR: {
                double[] rows = ErrorModel.rowSquares(dy, lastAxis(ys));
                if (rows.length != f.units.length) {
                    return null;
                }
                double q = 0;
                for (int r = 0; r < rows.length; r++) {
                    q += rows[r] * f.units[r];
                }
                return new double[] {q, 0, fed == null ? 0 : ErrorModel.squaredNorm(fed), rows.length};
            }
            case BATCH_NORM: {
                if (f.inverseVariances == null || !ys.equals(xs)) {
                    return null;
                }
                long c = channels(xs);
                double[] norms = ErrorModel.rowSquares(dy, PackedLayout.featuresPerSample(xs) / c);
                double q = 0;
                for (int i = 0; i < norms.length; i++) {
                    q += f.inverseVariances[(int) (i % c)] * f.units[i] * norms[i];
                }
                double beta = sumOfSquares(ErrorModel.biasGradient(dy, true));
                // dgamma is reported when the input gradient is not needed: then it is known too
                double gamma = fed != null && fed.size() == c ? ErrorModel.squaredNorm(fed) : 0;
                return new double[] {q, beta, gamma, (double) dy.size() / c};
            }
            case LAYER_NORM: {
                if (f.inverseVariances == null || !ys.equals(xs)) {
                    return null;
                }
                double[] rows = ErrorModel.rowSquares(dy, lastAxis(xs));
                if (rows.length != f.units.length || rows.length != f.inverseVariances.length) {
                    return null;
                }
                double q = 0;
                for (int r = 0; r < rows.length; r++) {
                    q += f.inverseVariances[r] * f.units[r] * rows[r];
                }
                double beta = sumOfSquares(ErrorModel.biasGradient(dy, false));
                return new double[] {q, beta, 0, rows.length};
            }
            default: {
                double[] norms = SampleNorms.squared(dy);
                double q = 0;
                for (int i = 0; i < n; i++) {
                    q += norms[i] * f.units[i];
                }
                return new double[] {q, 0, fed == null ? 0 : ErrorModel.squaredNorm(fed), 1};
            }
        }
    }

    /**
     * AC-GC's bounds for deterministic errors (nearest rounding: {@code |error| <= step / 2} per
     * element, not independent, not of mean zero): Cauchy-Schwarz over the products of each
     * gradient entry instead of the expectation. Same return values as {@link #gradientTerms}; the
     * factor {@code 1 + 2^-9} covers the fp32 part of the error ({@code 2^-12 step}).
     */
    private static double[] deterministicTerms(ActivationSite site, Forward f, NDArray dy, NDArray fed) {
        Shape xs = f.shape;
        Shape ys = dy.getShape();
        int n = PackedLayout.samples(xs);
        double total = ErrorModel.squaredNorm(dy);
        double fedNorm = fed == null ? 0 : ErrorModel.squaredNorm(fed);
        double factor = 1 + 0x1p-9;
        switch (site.getKind()) {
            case CONV: {
                // |dW~ - dW|^2 at (k, c, r, s) <= ||dy_k||^2 * sum over (n, p) of error^2 in channel c
                long outChannels = ys.dimension() >= 2 ? Math.max(1, ys.get(1)) : 1;
                double positions = (double) dy.size() / (n * (double) outChannels);
                double units = 0;
                for (double v : f.units) {
                    units += v;
                }
                return new double[] {factor * total * site.getKernelArea() * positions * units, 0, fedNorm, 0};
            }
            case LINEAR: {
                // ||dW~ - dW||^2 <= ||dy||^2 ||x~ - x||^2
                double units = 0;
                for (double v : f.units) {
                    units += v;
                }
                return new double[] {factor * total * units, 0, fedNorm, 0};
            }
            case BATCH_NORM: {
                if (f.inverseVariances == null || !ys.equals(xs)) {
                    return null;
                }
                long c = channels(xs);
                long plane = PackedLayout.featuresPerSample(xs) / c;
                double[] norms = ErrorModel.rowSquares(dy, plane);
                double[] perChannelNorm = new double[(int) c];
                double[] perChannelError = new double[(int) c];
                for (int i = 0; i < norms.length; i++) {
                    perChannelNorm[(int) (i % c)] += norms[i];
                    perChannelError[(int) (i % c)] += plane * f.units[i];
                }
                double q = 0;
                for (int k = 0; k < c; k++) {
                    q += f.inverseVariances[k] * perChannelNorm[k] * perChannelError[k];
                }
                double beta = sumOfSquares(ErrorModel.biasGradient(dy, true));
                double gamma = fed != null && fed.size() == c ? fedNorm : 0;
                return new double[] {factor * q, beta, gamma, 0};
            }
            case LAYER_NORM: {
                if (f.inverseVariances == null || !ys.equals(xs)) {
                    return null;
                }
                // |ddgamma_d|^2 <= (sum_r dy_rd^2)(sum_r invstd_r^2 error_rd^2), error_rd^2 <= u_max(r)
                double error = 0;
                for (int r = 0; r < f.units.length; r++) {
                    error += f.inverseVariances[r] * f.units[r];
                }
                double beta = sumOfSquares(ErrorModel.biasGradient(dy, false));
                return new double[] {factor * total * error, beta, 0, 0};
            }
            default: {
                double q = 0;
                double[] norms = SampleNorms.squared(dy);
                for (int i = 0; i < n; i++) {
                    q += norms[i] * f.units[i] * PackedLayout.featuresPerSample(xs);
                }
                return new double[] {factor * q, 0, fedNorm, 0};
            }
        }
    }

    private static double sumOfSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static double roundingFactor(double terms) {
        return 1 + terms * ErrorModel.ROUNDING_PER_TERM;
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
        long bitsSum = 0;
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
            int chosen = chooseBits(meanQ(s), meanGradient(s), bound);
            if (chosen != s.bits) {
                logger.debug("ActNN auto bits {}: {} -> {}", s.name, s.bits, chosen);
                s.bits = chosen;
            }
            measured++;
            bitsSum += s.bits;
        }
        if (measured > 0) {
            logger.info("ActNN auto (e^2 = {}): step {}, {} layers measured, {} bits per layer on average",
                    bound, step, measured, String.format("%.2f", (double) bitsSum / measured));
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

    @Override
    public synchronized String describe() {
        return "auto (e^2 = " + config.getErrorBound() + ", every " + config.getAutoInterval() + " steps)";
    }

    /**
     * Returns the current bits of each site, for reports and tests.
     *
     * @return bits by site
     */
    public synchronized Map<ActivationSite, Integer> currentBits() {
        Map<ActivationSite, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            out.put(e.getKey(), e.getValue().bits);
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
