package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;

/** Creates the bit policy that a configuration's level calls for. */
public final class BitPolicies {

    private BitPolicies() {}

    /**
     * Returns a new policy for a configuration.
     *
     * @param config the configuration
     * @return the policy
     */
    public static BitPolicy create(ActNNConfig config) {
        if (config.getLevel() == ai.actnn.config.OptimizationLevel.AUTO) {
            return new ErrorBoundedBitPolicy(config);
        }
        if (config.isAdaptive()) {
            return new AdaptiveBitPolicy(config);
        }
        return new FixedBitPolicy(config);
    }
}
