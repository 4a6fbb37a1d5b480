package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ActNN's adaptive bits (level L3): an average budget of {@code bits} per element, spent where
 * the gradient is most sensitive.
 *
 * <p>Per sample {@code n} of a layer, the sensitivity is {@code C_n = kernelArea / 4 *
 * ||max - min||^2_n * groupSize / pixels * gradScale}, where the ranges come from the activation
 * being saved and {@code gradScale} from the previous backward: the mean of the squared per-sample
 * norms of the layer's output gradient, or, with use-gradient on, an exponential average of each
 * dataset sample's own norm. Within a layer, {@link BitAllocator} gives each sample its bits
 * (any width from 1 to 8, where ActNN has only 1, 2, 4 and 8) for the layer's budget; with
 * per-layer allocation on, after each backward the budget is
 * redistributed across layers (weighted by their sizes) the same way. BatchNorm layers take the
 * bits of the preceding convolution or linear layer, but never fewer than their group's bits:
 * their backward is quadratic in the saved input, so a 1-bit sample would bias it. Until a layer has seen a gradient, its
 * samples get the initial bits (8); a layer whose backward reports no gradient statistics gets
 * its layer group's bits from the second step on.
 */
public final class AdaptiveBitPolicy implements BitPolicy {

    private static final Logger logger = LoggerFactory.getLogger(AdaptiveBitPolicy.class);

    /** Weight of the newest observation in a dataset sample's average gradient norm. */
    static final double SAMPLE_AVERAGE_WEIGHT = 0.5;

    private final Map<ActivationSite, Site> sites = new LinkedHashMap<>();
    private final int[] widths;
    private ActNNConfig config;
    private long[] indices;
    private int[] lastWeightedBits;

    /**
     * Creates the policy, allocating among every width from 1 to 8 bits.
     *
     * @param config the configuration
     */
    public AdaptiveBitPolicy(ActNNConfig config) {
        this(config, BitAllocator.ALL_WIDTHS);
    }

    /**
     * Creates the policy allocating among given widths (ActNN's own are {@link
     * BitAllocator#POWER_OF_TWO_WIDTHS}).
     *
     * @param config the configuration
     * @param widths ascending widths from 1 to 8, starting at 1 and ending at 8
     */
    public AdaptiveBitPolicy(ActNNConfig config, int[] widths) {
        this.config = config;
        this.widths = BitAllocator.checkWidths(widths);
    }

    /**
     * What the policy knows about one site. A site may save several times in one step (a layer
     * run a chunk of samples at a time, or a shared layer): the step's calls are concatenated in
     * forward order, and the gradients, which arrive in reverse order, are put in that order too.
     */
    private static final class Site {
        double gradScale = -1;
        final Map<Long, Double> sampleScales = new HashMap<>();
        double budgetBits = Double.NaN;
        double[] rangeTerms;
        double[] lastScales;
        long[] lastIndices;
        int[] lastBits;
        long features;
        int layerGroup;
        boolean seenThisStep;
        /** Samples saved at this site in this step, over all its calls. */
        int stepSamples;
        /** Samples whose gradient was observed in this step's backward, over all calls. */
        int observedSamples;
        double observedSum;
        /** Saved in a step whose backward reported no gradient for it: it will not learn. */
        boolean silent;
    }

    @Override
    public synchronized void beginStep(ActNNConfig stepConfig, long[] sampleIndices) {
        this.config = stepConfig;
        this.indices = sampleIndices;
        this.lastWeightedBits = null;
        for (Site s : sites.values()) {
            s.seenThisStep = false;
            s.stepSamples = 0;
            s.observedSamples = 0;
            s.observedSum = 0;
        }
    }

    @Override
    public boolean needsStats(ActivationSite site) {
        return true;
    }

    @Override
    public synchronized int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        int groupBits = FixedBitPolicy.bitsOf(config, site);
        Site s = sites.computeIfAbsent(site, k -> new Site());
        s.layerGroup = site.layerGroupIn(config);
        boolean again = s.seenThisStep;
        s.seenThisStep = true;
        int offset = again ? s.stepSamples : 0;
        s.stepSamples = offset + samples;
        if (site.getKind() == ActivationSite.Kind.BATCH_NORM) {
            if (!config.isAdaptiveBnScheme()) {
                return FixedBitPolicy.uniform(groupBits, samples);
            }
            if (lastWeightedBits != null && lastWeightedBits.length == samples) {
                return atLeast(lastWeightedBits, groupBits);
            }
        } else if (!config.isAdaptiveConvScheme()) {
            return FixedBitPolicy.uniform(groupBits, samples);
        }
        double[] terms = SampleNorms.rangeTerms(site, stats);
        s.rangeTerms = again && s.rangeTerms != null ? concat(s.rangeTerms, terms) : terms;
        s.features = ai.actnn.quant.PackedLayout.featuresPerSample(stats.getShape());
        s.lastIndices = indices != null && s.stepSamples <= indices.length
                ? Arrays.copyOf(indices, s.stepSamples)
                : null;
        if (Double.isNaN(s.budgetBits)) {
            s.budgetBits = groupBits;
        }
        double[] scales = scales(s, offset, samples);
        int[] bits;
        if (scales == null) {
            // Until the first gradient the initial bits; a layer that reports no gradients
            // statistics gets its group's bits.
            bits = FixedBitPolicy.uniform(s.silent ? groupBits : config.getInitialBits(), samples);
        } else {
            double[] c = new double[samples];
            long[] w = new long[samples];
            for (int n = 0; n < samples; n++) {
                c[n] = terms[n] * scales[n];
                w[n] = 1;
            }
            bits = BitAllocator.allocate(c, w, Math.round(s.budgetBits * samples), widths);
        }
        s.lastBits = again && s.lastBits != null ? concat(s.lastBits, bits) : bits;
        if (site.getKind() == ActivationSite.Kind.CONV || site.getKind() == ActivationSite.Kind.LINEAR) {
            // A batch norm after a layer run in chunks copies the bits of all its chunks.
            lastWeightedBits = s.lastBits;
        }
        return bits;
    }

    /**
     * Returns a copy of per-sample bits raised to a floor. Batch normalisation copies the bits of
     * the preceding layer but never goes below its group's bits: its backward is quadratic in the
     * saved standardised input (the projection {@code x̂_i * mean(dy * x̂)} multiplies the element
     * by itself), so the rounding variance of a 1-bit sample becomes a bias of the input gradient
     * of about {@code variance / count} per element, where a convolution's or linear layer's error
     * (linear in the saved input) stays unbiased.
     */
    private static int[] atLeast(int[] bits, int floor) {
        int[] out = bits.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(out[i], floor);
        }
        return out;
    }

    /**
     * Returns the gradient scale of samples {@code [offset, offset + samples)} of the site's
     * step, or null before the site has seen a gradient.
     */
    private double[] scales(Site s, int offset, int samples) {
        if (s.gradScale < 0) {
            return null;
        }
        double[] out = new double[samples];
        for (int n = 0; n < samples; n++) {
            Double own = config.isUseGradient() && s.lastIndices != null ? s.sampleScales.get(s.lastIndices[offset + n]) : null;
            out[n] = own != null ? own : s.gradScale;
        }
        return out;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Override
    public boolean wantsGradients(ActivationSite site) {
        return true;
    }

    @Override
    public synchronized void observeGradient(ActivationSite site, NDArray gradOutput) {
        Site s = sites.get(site);
        if (s == null) {
            return;
        }
        double[] norms = SampleNorms.squared(gradOutput);
        double sum = 0;
        for (double v : norms) {
            sum += v;
        }
        // The backward visits a site's calls in reverse: this call's samples precede those
        // observed before it in this step.
        boolean again = s.observedSamples > 0;
        s.observedSamples += norms.length;
        s.observedSum = again ? s.observedSum + sum : sum;
        s.gradScale = s.observedSamples == 0 ? 0 : s.observedSum / s.observedSamples;
        s.lastScales = again ? concat(norms, s.lastScales) : norms;
        int offset = s.stepSamples - s.observedSamples;
        if (config.isUseGradient() && s.lastIndices != null && offset >= 0 && offset + norms.length <= s.lastIndices.length) {
            for (int n = 0; n < norms.length; n++) {
                long index = s.lastIndices[offset + n];
                Double old = s.sampleScales.get(index);
                double v = old == null ? norms[n] : (1 - SAMPLE_AVERAGE_WEIGHT) * old + SAMPLE_AVERAGE_WEIGHT * norms[n];
                s.sampleScales.put(index, v);
            }
        }
    }

    @Override
    public synchronized void endBackward() {
        for (Site s : sites.values()) {
            if (s.seenThisStep && s.gradScale < 0) {
                s.silent = true;
            }
        }
        if (!config.isPerLayer() || !config.isAdaptiveConvScheme()) {
            return;
        }
        int[] budgets = config.getActivationCompressionBits();
        Map<Integer, List<Map.Entry<ActivationSite, Site>>> byGroup = new HashMap<>();
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            Site s = e.getValue();
            if (e.getKey().getKind() != ActivationSite.Kind.BATCH_NORM
                    && s.seenThisStep
                    && s.rangeTerms != null
                    && s.lastScales != null
                    && s.lastScales.length == s.rangeTerms.length) {
                byGroup.computeIfAbsent(s.layerGroup, g -> new ArrayList<>()).add(e);
            }
        }
        for (Map.Entry<Integer, List<Map.Entry<ActivationSite, Site>>> group : byGroup.entrySet()) {
            allocateAcrossLayers(group.getValue(), budgets[Math.min(group.getKey(), budgets.length - 1)]);
        }
    }

    private void allocateAcrossLayers(List<Map.Entry<ActivationSite, Site>> layers, int averageBits) {
        int items = 0;
        for (Map.Entry<ActivationSite, Site> e : layers) {
            items += e.getValue().rangeTerms.length;
        }
        double[] c = new double[items];
        long[] w = new long[items];
        long total = 0;
        int k = 0;
        for (Map.Entry<ActivationSite, Site> e : layers) {
            Site s = e.getValue();
            for (int n = 0; n < s.rangeTerms.length; n++) {
                c[k] = s.rangeTerms[n] * s.lastScales[n];
                w[k] = Math.max(1, s.features);
                total += w[k];
                k++;
            }
        }
        int[] bits = BitAllocator.allocate(c, w, total * averageBits, widths);
        k = 0;
        StringBuilder summary = logger.isDebugEnabled() ? new StringBuilder() : null;
        for (Map.Entry<ActivationSite, Site> e : layers) {
            Site s = e.getValue();
            double sum = 0;
            for (int n = 0; n < s.rangeTerms.length; n++) {
                sum += bits[k++];
            }
            s.budgetBits = sum / s.rangeTerms.length;
            if (summary != null) {
                summary.append(String.format(" %s=%.2f", e.getKey(), s.budgetBits));
            }
        }
        if (summary != null) {
            logger.debug("ActNN per-layer bits:{}", summary);
        }
    }

    @Override
    public synchronized String describe() {
        return "adaptive, average " + Arrays.toString(config.getActivationCompressionBits()) + " bits over " + sites.size() + " sites";
    }

    /**
     * Returns the current per-sample budget (average bits) of each site, for reports and tests.
     *
     * @return average bits by site
     */
    public synchronized Map<ActivationSite, Double> budgets() {
        Map<ActivationSite, Double> out = new LinkedHashMap<>();
        for (Map.Entry<ActivationSite, Site> e : sites.entrySet()) {
            out.put(e.getKey(), e.getValue().budgetBits);
        }
        return out;
    }
}
