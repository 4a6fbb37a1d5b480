package ai.actnn.training;

import ai.actnn.autograd.Tape;
import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.BitPolicies;
import ai.actnn.policy.BitPolicy;
import ai.actnn.store.CompressionStep;
import ai.actnn.store.Keys;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compression state of one trainer across steps: its configuration (fixed when the trainer
 * was created), its bit policy (which learns from gradients over steps), the step counter and the
 * statistics of the last step.
 */
public final class CompressionState {

    private static final Logger logger = LoggerFactory.getLogger(CompressionState.class);

    private final ActNNConfig config;
    private final BitPolicy policy;
    private long step;
    private long replicaKey;
    private long[] pendingIndices;
    private volatile StepStatistics last;

    /**
     * Creates the state of a trainer.
     *
     * @param config the trainer's configuration
     */
    public CompressionState(ActNNConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("the ActNN configuration must not be null");
        }
        this.config = config;
        this.policy = BitPolicies.create(config);
        logger.debug("ActNN level {}: {}", config.getLevel().label(), policy.describe());
        if (config.isSwap()) {
            logger.info(
                    "ActNN level {} swaps packed activations of GPU tensors to host memory; tensors"
                            + " already on the CPU are handled as at L3",
                    config.getLevel().label());
        }
    }

    /**
     * Returns the configuration this trainer compresses with.
     *
     * @return the configuration
     */
    public ActNNConfig getConfig() {
        return config;
    }

    synchronized CompressionStep beginStep() {
        policy.beginStep(config, takeSampleIndices());
        long key = Keys.mix(config.getSeed(), step);
        return new CompressionStep(config, policy, replicaKey == 0 ? key : Keys.mix(key, replicaKey));
    }

    /**
     * Gives this trainer's random streams (stochastic rounding, dropout masks) the rank of its
     * process in a data-parallel group, so that replicas draw independent streams; rank 0 draws
     * those of a single process.
     *
     * @param rank the process's rank
     */
    synchronized void setReplicaRank(int rank) {
        if (rank < 0) {
            throw new IllegalArgumentException("rank " + rank + " is invalid: ranks start at 0");
        }
        replicaKey = rank == 0 ? 0 : Keys.mix(0x5EED_D157L, rank);
    }

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
        endStep(java.util.List.of(tape));
    }

    /** Ends a step recorded on several tapes (its splits): their counts add up. */
    synchronized void endStep(java.util.List<Tape> tapes) {
        long ops = 0;
        long bytes = 0;
        double elements = 0;
        for (Tape t : tapes) {
            ops += t.recordedOps();
            long b = t.savedBytes();
            bytes += b;
            double bits = t.averageBits();
            if (b > 0 && !Double.isNaN(bits) && bits > 0) {
                elements += 8.0 * b / bits;
            }
        }
        double average = elements > 0 ? 8.0 * bytes / elements : Double.NaN;
        if (tapes.size() == 1) {
            average = tapes.get(0).averageBits();
        }
        last = new StepStatistics(step, ops, bytes, average);
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
     * Returns the bit policy.
     *
     * @return the policy
     */
    public BitPolicy policy() {
        return policy;
    }
}
