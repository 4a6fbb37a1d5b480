package ai.actnn.store;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.BitPolicy;

/**
 * What one training step compresses with: the trainer's configuration, its bit policy and the key
 * of the step's random streams (stochastic rounding, dropout masks).
 *
 * @param config the configuration
 * @param policy the bit policy, which lives across steps
 * @param key the key of this step's random streams
 */
public record CompressionStep(ActNNConfig config, BitPolicy policy, long key) {}
