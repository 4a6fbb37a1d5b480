package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;

import java.util.Arrays;

/** The same bits for every sample: those of the site's layer group (L1, L2). */
public final class FixedBitPolicy implements BitPolicy {

    private final ActNNConfig config;

    /**
     * Creates the policy from a configuration's bits per layer group.
     *
     * @param config the configuration
     */
    public FixedBitPolicy(ActNNConfig config) {
        this.config = config;
    }

    @Override
    public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        return uniform(bitsOf(config, site), samples);
    }

    /**
     * Returns the bits of a site's layer group under a configuration.
     *
     * @param config the configuration
     * @param site the site
     * @return the bits
     */
    static int bitsOf(ActNNConfig config, ActivationSite site) {
        return config.getBits(site.layerGroupIn(config));
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
        return "fixed " + Arrays.toString(config.getActivationCompressionBits()) + " bits";
    }
}
