package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;

import java.util.Arrays;

/** The same bits for every sample: those of the site's layer group (L1, L2). */
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
    public void beginStep(ActNNConfig config, long[] sampleIndices) {
        bitsPerGroup = config.getActivationCompressionBits();
    }

    @Override
    public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        return uniform(bitsOf(bitsPerGroup, site), samples);
    }

    /**
     * Returns the bits of a site's layer group.
     *
     * @param bitsPerGroup the bits of each layer group
     * @param site the site
     * @return the bits
     */
    static int bitsOf(int[] bitsPerGroup, ActivationSite site) {
        return bitsPerGroup[Math.min(site.getLayerGroup(), bitsPerGroup.length - 1)];
    }

    /**
     * Returns the same bits for every sample.
     *
     * @param bits the bits
     * @param samples the number of samples
     * @return the array
     */
    static int[] uniform(int bits, int samples) {
        int[] out = new int[samples];
        Arrays.fill(out, bits);
        return out;
    }

    @Override
    public String describe() {
        return "fixed " + Arrays.toString(bitsPerGroup) + " bits";
    }
}
