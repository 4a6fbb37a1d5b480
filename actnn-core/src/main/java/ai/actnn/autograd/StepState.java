package ai.actnn.autograd;

import ai.actnn.policy.BitPolicy;

import ai.actnn.config.ActNNConfig;

/**
 * What one training step compresses with: a snapshot of the configuration, the trainer's bit
 * policy and the key of the step's random streams.
 */
public final class StepState {

    private final ActNNConfig config;
    private final BitPolicy policy;
    private final long key;

    public StepState(ActNNConfig config, BitPolicy policy, long key) {
        this.config = config;
        this.policy = policy;
        this.key = key;
    }

    ActNNConfig config() {
        return config;
    }

    BitPolicy policy() {
        return policy;
    }

    long key() {
        return key;
    }
}
