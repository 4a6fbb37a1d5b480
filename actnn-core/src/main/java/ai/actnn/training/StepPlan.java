package ai.actnn.training;

/**
 * How a trainer runs a step: how many splits its batch has (one per entry of the training
 * config's device list), the replicas it synchronises with, and how long a split waits for the
 * others.
 *
 * @param splits the splits of each step in this process
 * @param replica the data-parallel group, or null
 * @param sync the gradient synchronisation of the current optimizer step, or null
 * @param timeoutMillis how long a split waits for the others at a statistics exchange
 */
record StepPlan(int splits, ReplicaGroup replica, ReplicaGroup.StepSynchronization sync, long timeoutMillis) {

    /** One split, one process. */
    static final StepPlan SINGLE = new StepPlan(1, null, null, Long.MAX_VALUE / 2_000_000L);
}
