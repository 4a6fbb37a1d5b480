package ai.actnn.training;

import ai.actnn.autograd.StepState;
import ai.actnn.autograd.Tape;
import ai.actnn.policy.BitPolicies;
import ai.actnn.policy.BitPolicy;
import ai.actnn.store.Keys;

import ai.actnn.ActNN;
import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compression state of one trainer across steps: the step counter, the bit policy (which
 * learns from gradients over steps) and the statistics of the last step. Each step takes a
 * snapshot of the configuration; changing the level between steps builds a new policy.
 */
public final class CompressionState {

    private static final Logger logger = LoggerFactory.getLogger(CompressionState.class);

    private final Supplier<ActNNConfig> configSource;
    private BitPolicy policy;
    private OptimizationLevel policyLevel;
    private long step;
    private volatile StepStatistics last;
    private boolean cpuSwapNoted;

    /**
     * Creates the state of a trainer that follows the global configuration ({@link
     * ActNN#config()}).
     */
    public CompressionState() {
        this(ActNN::config);
    }

    /**
     * Creates the state of a trainer with its own configuration source.
     *
     * @param configSource returns the configuration to snapshot at each step
     */
    public CompressionState(Supplier<ActNNConfig> configSource) {
        this.configSource = configSource;
    }

    synchronized StepState beginStep() {
        ActNNConfig config = configSource.get().copy();
        if (policy == null || policyLevel != config.getLevel()) {
            policy = BitPolicies.create(config);
            policyLevel = config.getLevel();
            logger.debug("ActNN level {}: {}", config.getLevel().label(), policy.describe());
        }
        policy.beginStep(config, takeSampleIndices());
        if (config.isSwap() && !cpuSwapNoted) {
            cpuSwapNoted = true;
            logger.info(
                    "ActNN level {} swaps packed activations of GPU tensors to host memory; tensors"
                            + " already on the CPU are handled as at L3",
                    config.getLevel().label());
        }
        long key = Keys.mix(config.getSeed(), step);
        return new StepState(config, policy, key);
    }

    private long[] pendingIndices;

    /**
     * Sets the dataset indices of the samples of the next step's batch (for use-gradient). The
     * ActNN trainer does it for batches it hands out; custom loops may call it before a step.
     *
     * @param indices one dataset index per sample, or null
     */
    public synchronized void setSampleIndices(long[] indices) {
        pendingIndices = indices == null ? null : indices.clone();
    }

    private long[] takeSampleIndices() {
        long[] out = pendingIndices;
        pendingIndices = null;
        return out;
    }

    synchronized void endStep(Tape tape) {
        last =
                new StepStatistics(
                        step,
                        tape.recordedOps(),
                        tape.store().storedBytes(),
                        tape.store().averageBits());
        step++;
    }

    /**
     * Returns the statistics of the last completed step.
     *
     * @return the statistics, or null before the first step
     */
    public StepStatistics lastStep() {
        return last;
    }

    /**
     * Returns the current bit policy.
     *
     * @return the policy, or null before the first step
     */
    public synchronized BitPolicy policy() {
        return policy;
    }
}
