package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error-bounded automatic bits (the {@code auto} level, after AC-GC): each layer gets the fewest
 * bits in {1, 2, 4, 8} whose added gradient variance stays within a bound relative to the
 * gradient itself:
 *
 * <pre>
 *   V(b) = V1 / (2^b - 1)^2  &lt;=  e^2 * ||g||^2
 * </pre>
 *
 * where {@code V1 = sum_n C_n} is ActNN's variance model at one quantization step (ranges of the
 * saved activation times the squared norms of the output gradient), {@code g} is the gradient the
 * saved activation feeds (the weight gradient of a convolution or linear layer, the input gradient
 * otherwise) and {@code e^2} is {@link ActNNConfig#getErrorBound()}. Both are measured in the
 * compressed backward itself, on the first step and then every {@link
 * ActNNConfig#getAutoInterval()} steps; in between the bits stay fixed and no statistics are
 * computed. Until the first measurement, layers use the initial bits. Changes are logged at INFO.
 */
public final class ErrorBoundedBitPolicy implements BitPolicy {

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

    /** What the policy knows about one site. */
    private static final class Site {
        int bits;
        double[] rangeTerms;
        double v1;
        double gradSquared = -1;
        String name;
    }

    @Override
    public synchronized void beginStep(ActNNConfig stepConfig, long[] sampleIndices) {
        config = stepConfig;
        step++;
        measuring = step % config.getAutoInterval() == 0;
        if (measuring) {
            for (Site s : sites.values()) {
                s.rangeTerms = null;
                s.v1 = 0;
                s.gradSquared = -1;
            }
        }
    }

    @Override
    public synchronized boolean needsStats(ActivationSite site) {
        return measuring;
    }

    @Override
    public synchronized int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        Site s = sites.computeIfAbsent(site, k -> {
            Site fresh = new Site();
            fresh.bits = config.getInitialBits();
            fresh.name = k.toString();
            return fresh;
        });
        if (measuring && stats != null) {
            s.rangeTerms = SampleNorms.rangeTerms(site, stats);
        }
        return FixedBitPolicy.uniform(s.bits, samples);
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
        Site s = sites.get(site);
        if (s == null || s.rangeTerms == null) {
            return;
        }
        double[] norms = SampleNorms.squared(gradOutput);
        if (norms.length != s.rangeTerms.length) {
            return;
        }
        double v1 = 0;
        for (int n = 0; n < norms.length; n++) {
            v1 += s.rangeTerms[n] * norms[n];
        }
        s.v1 = v1;
    }

    @Override
    public synchronized void observeGradientNorm(ActivationSite site, double squaredNorm) {
        Site s = sites.get(site);
        if (s != null) {
            s.gradSquared = squaredNorm;
        }
    }

    @Override
    public synchronized void endBackward() {
        if (!measuring) {
            return;
        }
        double bound = config.getErrorBound();
        for (Site s : sites.values()) {
            if (s.rangeTerms == null || s.gradSquared < 0) {
                continue;
            }
            int chosen = chooseBits(s.v1, s.gradSquared, bound);
            if (chosen != s.bits) {
                logger.info("ActNN auto bits {}: {} -> {}", s.name, s.bits, chosen);
                s.bits = chosen;
            }
        }
    }

    /**
     * Returns the fewest bits whose variance {@code v1 / (2^b - 1)^2} is within {@code bound *
     * gradSquared}, or 8 if none is.
     *
     * @param v1 the variance at one quantization step
     * @param gradSquared the squared gradient norm
     * @param bound e^2
     * @return 1, 2, 4 or 8
     */
    static int chooseBits(double v1, double gradSquared, double bound) {
        for (int b : new int[] {1, 2, 4}) {
            if (BitAllocator.variance(v1, b) <= bound * gradSquared) {
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
}
