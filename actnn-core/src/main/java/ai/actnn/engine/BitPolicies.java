package ai.actnn.engine;

import ai.actnn.config.ActNNConfig;

/** Creates the bit policy that a configuration's level calls for. */
final class BitPolicies {

    private BitPolicies() {}

    /**
     * Returns a new policy for a configuration.
     *
     * @param config the configuration
     * @return the policy
     */
    static BitPolicy create(ActNNConfig config) {
        return new FixedBitPolicy(config);
    }
}
