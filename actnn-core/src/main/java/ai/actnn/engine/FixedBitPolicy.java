package ai.actnn.engine;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;

import java.util.Arrays;

/** The same bits for every sample: those of the site's layer group (L1, L2, and L3 without adaptation). */
public final class FixedBitPolicy implements BitPolicy {

    private volatile int[] bitsPerGroup;

    /**
     * Creates the policy from a configuration's bits per layer group.
     *
     * @param config the configuration
     */
    public FixedBitPolicy(ActNNConfig config) {
        this.bitsPerGroup = config.getActivationCompressionBits();
    }

    @Override
    public void beginStep(ActNNConfig config) {
        bitsPerGroup = config.getActivationCompressionBits();
    }

    @Override
    public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        int[] bits = new int[samples];
        int[] groups = bitsPerGroup;
        Arrays.fill(bits, groups[Math.min(site.getLayerGroup(), groups.length - 1)]);
        return bits;
    }

    @Override
    public String describe() {
        return "fixed " + Arrays.toString(bitsPerGroup) + " bits";
    }
}
