package ai.actnn.training;

import ai.actnn.autograd.StepCollective;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Where the splits of one step in this process meet to sum batch statistics (synchronised batch
 * normalisation), and, through the last split to arrive, the other processes of a data-parallel
 * group. One exchange per step; each split talks to it through its {@link #party(int) party}.
 *
 * <p>No party can wait forever: a round that is not complete within the timeout fails, a split
 * that fails (or ends its work) while others wait for it fails the round at once, and every later
 * round of the step fails too.
 */
final class SplitExchange {

    private final int parties;
    private final long timeoutNanos;
    private final UnaryOperator<double[]> processes;
    private final int processCount;
    private final Object lock = new Object();
    private final double[][] slots;
    private final boolean[] ended;
    private final Set<Object> claimed = Collections.newSetFromMap(new IdentityHashMap<>());
    private int arrived;
    private long round;
    private double[] result;
    private RuntimeException failure;

    /**
     * Creates the exchange of a step.
     *
     * @param parties the splits of the step in this process
     * @param processes sums a vector over the processes of a data-parallel group (null for one
     *     process); called by one split at a time, in the same order on every process
     * @param processCount the number of processes
     * @param timeoutMillis how long a split waits for the others in one round
     */
    SplitExchange(int parties, UnaryOperator<double[]> processes, int processCount, long timeoutMillis) {
        if (parties < 1) {
            throw new IllegalArgumentException("a step needs at least 1 split, not " + parties);
        }
        this.parties = parties;
        this.processes = processes;
        this.processCount = processes == null ? 1 : processCount;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.slots = new double[parties][];
        this.ended = new boolean[parties];
    }

    /**
     * Returns split {@code index}'s view of the exchange.
     *
     * @param index the split, from 0
     * @return its collective
     */
    StepCollective party(int index) {
        if (index < 0 || index >= parties) {
            throw new IllegalArgumentException("split " + index + " does not exist: the step has " + parties + " splits");
        }
        return new StepCollective() {
            @Override
            public int parties() {
                return parties * processCount;
            }

            @Override
            public double[] allReduceSum(double[] local) {
                return exchange(index, local);
            }

            @Override
            public boolean claim(Object key) {
                synchronized (lock) {
                    return claimed.add(key);
                }
            }
        };
    }

    private double[] exchange(int index, double[] local) {
        synchronized (lock) {
            checkFailed();
            if (slots[index] != null) {
                throw new IllegalStateException("split " + index + " joined a statistics exchange twice");
            }
            long myRound = round;
            slots[index] = local.clone();
            arrived++;
            if (arrived == parties) {
                return lead();
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (round == myRound && failure == null) {
                checkEndedPeers();
                if (failure != null) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail(new IllegalStateException("split " + index + " waited "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms for the other " + (parties - arrived)
                            + " of " + parties + " splits of this step at a batch-statistics exchange: a split"
                            + " is stuck or runs on no thread (the executor has fewer threads than splits?)"));
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(new IllegalStateException("interrupted while waiting for the other splits", e));
                }
            }
            checkFailed();
            return result.clone();
        }
    }

    /** The last split to arrive: sums in split order (deterministic), then over the processes. */
    private double[] lead() {
        int n = slots[0].length;
        double[] sum = new double[n];
        for (int p = 0; p < parties; p++) {
            if (slots[p].length != n) {
                fail(new IllegalStateException("splits exchanged statistics of different sizes: " + n + " and "
                        + slots[p].length + " values (the splits do not run the same model?)"));
                checkFailed();
            }
            for (int i = 0; i < n; i++) {
                sum[i] += slots[p][i];
            }
        }
        if (processes != null) {
            try {
                // Under the lock on purpose: the other splits wait for this result anyway.
                sum = processes.apply(sum);
            } catch (RuntimeException e) {
                fail(e);
                throw e;
            }
        }
        result = sum;
        arrived = 0;
        java.util.Arrays.fill(slots, null);
        round++;
        lock.notifyAll();
        return sum.clone();
    }

    private void checkEndedPeers() {
        for (int p = 0; p < parties; p++) {
            if (ended[p] && slots[p] == null) {
                fail(new IllegalStateException("split " + p + " of this step ended (it failed, or ran a different"
                        + " model path) while the others waited for it at a batch-statistics exchange"));
                return;
            }
        }
    }

    /**
     * Says that a split's work is over (normally or not): splits waiting for it fail at once.
     *
     * @param index the split
     */
    void ended(int index) {
        synchronized (lock) {
            ended[index] = true;
            if (arrived > 0) {
                lock.notifyAll();
            }
        }
    }

    /**
     * Fails the exchange: every waiting and later call throws.
     *
     * @param cause why
     */
    void fail(RuntimeException cause) {
        synchronized (lock) {
            if (failure == null) {
                failure = cause;
            }
            lock.notifyAll();
        }
    }

    private void checkFailed() {
        if (failure != null) {
            throw new IllegalStateException("the batch statistics of this step could not be exchanged: "
                    + failure.getMessage(), failure);
        }
    }
}
