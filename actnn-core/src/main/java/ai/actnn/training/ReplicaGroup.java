package ai.actnn.training;

import ai.actnn.autograd.BackwardObserver;
import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The processes that train replicas of one model on different parts of each batch (data-parallel
 * training), as an {@link ActNNTrainer} sees them: it makes the replicas start equal, sums the
 * gradients of every step over them, and sums batch statistics for synchronised batch
 * normalisation. {@code actnn-distributed} implements it on PyTorch's c10d (Gloo); set one with
 * {@link ActNNTrainer#setReplicaGroup}.
 *
 * <p>Every process must make the same calls in the same order (the trainer does, as long as every
 * process runs the same training loop on the same model).
 */
public interface ReplicaGroup extends AutoCloseable {

    /**
     * Returns this process's rank.
     *
     * @return the rank, from 0
     */
    int rank();

    /**
     * Returns the number of processes.
     *
     * @return the world size, at least 1
     */
    int worldSize();

    /**
     * Overwrites the given arrays with rank 0's values (parameters and running statistics, once
     * before the first step). Blocks until done.
     *
     * @param arrays the arrays, in the same order on every process
     */
    void broadcastFromRank0(List<NDArray> arrays);

    /**
     * Starts the gradient synchronisation of one optimizer step.
     *
     * @param gradientOwners the parameter arrays whose gradients are summed, in the same order on
     *     every process
     * @param contributors per array, how many tapes of a step take it (the splits of a step on its
     *     device): its gradient is complete once that many tapes reported it {@linkplain
     *     BackwardObserver#parametersDone done}
     * @return the step's synchronisation
     */
    StepSynchronization beginStep(List<NDArray> gradientOwners, int[] contributors);

    /**
     * Sums a small vector over all processes (batch statistics). Blocks until done.
     *
     * @param values this process's values
     * @return the sums, a new array
     */
    double[] allReduceStatistics(double[] values);

    /** Leaves the group and frees its resources. */
    @Override
    void close();

    /** The gradient synchronisation of one optimizer step. */
    interface StepSynchronization {

        /**
         * Returns a new observer for one tape of the step, called on the tape's thread; it may
         * start sending gradients that are complete while the backward goes on.
         *
         * @return the observer
         */
        BackwardObserver newObserver();

        /**
         * Completes the step's synchronisation (called by {@link ActNNTrainer#step()} before the
         * optimizer runs): afterwards every gradient is the mean of the processes' gradients.
         */
        void finish();
    }
}
