package ai.actnn.training;

import ai.actnn.autograd.StepCollective;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.Autograd;
import ai.actnn.store.CompressionStep;
import ai.actnn.store.Keys;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gradient collector that runs ActNN's compressed backward right after autograd's backward of
 * the loss. Opening it starts a step: it makes a {@link Tape} current on this thread, on which the
 * Q-layers record themselves; closing it frees everything the step saved.
 *
 * <p>A step whose batch is split (DJL's {@code EasyTrain} on several devices) records each split
 * on the thread that runs it: in the caller's thread on this collector's tape, one split after
 * the other, or, with the training config's executor, each on a tape of its own on a worker
 * thread (the trainer's executor starts them through {@link #split}), compressed like the
 * unsplit step. {@link #backward} runs the compressed backward of the calling thread's tape. The
 * splits of a step meet through the tapes' {@link StepCollective} to compute batch statistics
 * together (synchronised batch normalisation), which requires them to run concurrently.
 *
 * <p>DJL 0.35.1's {@code EasyTrain.trainBatch} submits the splits to the executor but does not
 * wait for them ({@code CompletableFuture.allOf} without {@code join}) and loses their exceptions:
 * {@link #close()} therefore waits for every split of the step, and rethrows the first failure of
 * a split (or reports a split that ended without its backward).
 *
 * <p>Unlike DJL's PyTorch collector it holds no process-wide flag, so trainers in different
 * threads can collect at the same time (autograd's grad mode is per thread).
 */
public final class CompressedGradientCollector implements GradientCollector {

    private static final ThreadLocal<CompressedGradientCollector> OPEN = new ThreadLocal<>();
    private static final ThreadLocal<SplitState> RUNNING = new ThreadLocal<>();

    private final CompressionState state;
    private final Iterable<NDArray> parameters;
    private final NDManager parent;
    private final StepPlan plan;
    private final boolean previousGradMode;
    private final CompressionStep step;
    private final SplitPolicy splitPolicy;
    private final SplitExchange exchange;
    private final Tape tape;
    private final List<Tape> splitTapes = Collections.synchronizedList(new ArrayList<>());
    private final List<SplitState> splitStates = new ArrayList<>();
    private final AtomicInteger nextSplit = new AtomicInteger();
    private final AtomicBoolean splitsRanBackward = new AtomicBoolean();
    private boolean closed;

    /**
     * Opens a collector of an unsplit step in one process.
     *
     * @param state the trainer's compression state
     * @param parent the manager under which the step's saved data lives
     * @param parameters the model's parameter arrays, for {@link #zeroGradients()}
     */
    public CompressedGradientCollector(
            CompressionState state, NDManager parent, Iterable<NDArray> parameters) {
        this(state, parent, parameters, StepPlan.SINGLE);
    }

    /**
     * Opens a collector of a step as the trainer planned it (splits, replicas).
     *
     * @param state the trainer's compression state
     * @param parent the manager under which the step's saved data lives
     * @param parameters the model's parameter arrays, for {@link #zeroGradients()}
     * @param plan the step's splits, replicas and timeout
     */
    CompressedGradientCollector(CompressionState state, NDManager parent, Iterable<NDArray> parameters, StepPlan plan) {
        this.state = state;
        this.parameters = parameters;
        this.parent = parent;
        this.plan = plan;
        this.previousGradMode = Autograd.isGradMode();
        this.step = state.beginStep();
        this.splitPolicy = new SplitPolicy(step.policy());
        ReplicaGroup replica = plan.replica();
        this.exchange = plan.splits() > 1 || replica != null
                ? new SplitExchange(plan.splits(), replica == null ? null : replica::allReduceStatistics,
                        replica == null ? 1 : replica.worldSize(), plan.timeoutMillis())
                : null;
        Tape opened = null;
        try {
            opened = Tape.open(step, parent);
            opened.setCollective(callerCollective());
            if (plan.sync() != null) {
                opened.setObserver(plan.sync().newObserver());
            }
            Autograd.setGradMode(true);
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            Autograd.setGradMode(previousGradMode);
            throw e;
        }
        this.tape = opened;
        OPEN.set(this);
    }

    /**
     * The collective of splits run on the caller's thread: the only split, or one of several run
     * one after the other, which cannot compute statistics together.
     */
    private StepCollective callerCollective() {
        if (plan.splits() == 1) {
            return exchange == null ? StepCollective.SINGLE : exchange.party(0);
        }
        return new SequentialSplits(plan.splits());
    }

    /** Returns the collector open on this thread, or null. */
    static CompressedGradientCollector openOnThisThread() {
        return OPEN.get();
    }

    /**
     * Returns the tape of this step on the thread that opened the collector.
     *
     * @return the tape
     */
    public Tape getTape() {
        return tape;
    }

    /**
     * Wraps work that runs one split of this step on another thread (the trainer's executor does
     * it for each task of {@code EasyTrain}): the work runs with a tape of its own, recorded and
     * compressed like the unsplit step; the split's random streams and its place in the
     * statistics exchanges follow the order in which splits are wrapped.
     *
     * @param work forward, loss and {@link #backward} of one split
     * @return the work as a split of this step
     */
    public Runnable split(Runnable work) {
        int index = nextSplit.getAndIncrement();
        SplitState state = new SplitState(index);
        synchronized (splitStates) {
            splitStates.add(state);
        }
        return () -> {
            RUNNING.set(state);
            try {
                runSplit(index, work);
            } catch (RuntimeException | Error e) {
                state.fail(e);
                throw e;
            } finally {
                RUNNING.remove();
                synchronized (splitStates) {
                    state.finished = true;
                    splitStates.notifyAll();
                }
            }
        };
    }

    /**
     * Remembers the failure of the split running on this thread (the trainer's forward calls it),
     * for {@link #close()} to rethrow: DJL's {@code EasyTrain} drops it.
     *
     * @param failure the exception
     */
    static void recordSplitFailure(Throwable failure) {
        SplitState state = RUNNING.get();
        if (state != null) {
            state.fail(failure);
        }
    }

    private void runSplit(int index, Runnable work) {
        // The task may run on the submitting thread itself (a direct executor): the split's tape
        // then replaces the caller's for the duration of the task.
        Tape.withoutTape(() -> {
            boolean gradMode = Autograd.isGradMode();
            Tape splitTape = null;
            try {
                long key = index == 0 ? step.key() : Keys.mix(step.key(), index);
                splitTape = Tape.open(new CompressionStep(step.config(), splitPolicy, key), parent);
                splitTapes.add(splitTape);
                splitTape.setCollective(index < plan.splits() && exchange != null
                        ? exchange.party(index)
                        : index < plan.splits() ? StepCollective.SINGLE : new SequentialSplits(plan.splits()));
                if (plan.sync() != null) {
                    splitTape.setObserver(plan.sync().newObserver());
                }
                Autograd.setGradMode(true);
                work.run();
            } catch (RuntimeException | Error e) {
                if (exchange != null) {
                    exchange.fail(new IllegalStateException("split " + index + " failed: " + e, e));
                }
                throw e;
            } finally {
                if (exchange != null && index < plan.splits()) {
                    exchange.ended(index);
                }
                if (splitTape != null) {
                    splitTape.detach();
                }
                Autograd.setGradMode(gradMode);
            }
            return null;
        });
    }

    /**
     * Differentiates {@code target}: autograd's backward first (it fills the gradients of the
     * Q-layers' outputs that ordinary ops consumed), then the compressed backward of every Q-op
     * recorded on this thread's tape of the step since its last backward.
     *
     * @param target the loss
     * @throws IllegalStateException if no tape of this step is current on this thread
     */
    @Override
    public void backward(NDArray target) {
        Tape current = Tape.current();
        boolean mine = current == tape;
        if (!mine && (current == null || !splitTapes.contains(current))) {
            throw new IllegalStateException("backward of an ActNN step was called on thread "
                    + Thread.currentThread().getName() + ", which runs none of its splits: call it on"
                    + " the thread that ran the forward (with the trainer's executor for split steps)");
        }
        try {
            try (NDArray ones = target.onesLike()) {
                // Keep the graph: autograd parts upstream of Q-ops may be reached again by the
                // compressed backward; it is freed with the batch's arrays.
                Autograd.backward(target, ones, true);
            }
            current.backward();
        } catch (RuntimeException | Error e) {
            recordSplitFailure(e);
            throw e;
        }
        if (!mine) {
            splitsRanBackward.set(true);
            SplitState state = RUNNING.get();
            if (state != null) {
                state.backwardDone = true;
            }
        }
    }

    /** Sets the gradients of the model's parameters to zero. */
    @Override
    public void zeroGradients() {
        for (NDArray p : parameters) {
            if (p.hasGradient()) {
                try (NDArray g = p.getGradient()) {
                    g.subi(g);
                }
            }
        }
    }

    /** Ends the step: frees everything it saved and restores autograd's mode. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            awaitSplits();
        } catch (RuntimeException e) {
            failure = e;
        }
        List<Tape> all = new ArrayList<>();
        all.add(tape);
        synchronized (splitTapes) {
            all.addAll(splitTapes);
        }
        try {
            if (failure != null) {
                throw failure;
            }
            if (splitsRanBackward.get()) {
                // The splits' tapes leave the end of the backward to the step: once per step.
                synchronized (step.policy()) {
                    step.policy().endBackward();
                }
            }
            state.endStep(all);
        } finally {
            try {
                for (int i = 1; i < all.size(); i++) {
                    all.get(i).close();
                }
                tape.close();
            } finally {
                if (OPEN.get() == this) {
                    OPEN.remove();
                }
                Autograd.setGradMode(previousGradMode);
            }
        }
    }

    /**
     * Waits until every split of this step ended (DJL's EasyTrain does not), then rethrows the
     * first failure of a split, or reports a split that ended without its backward.
     */
    private void awaitSplits() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(plan.timeoutMillis());
        synchronized (splitStates) {
            for (SplitState s : splitStates) {
                while (!s.finished) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (exchange != null) {
                            exchange.fail(new IllegalStateException("the step's collector closed"));
                        }
                        throw new IllegalStateException("split " + s.index + " of this step did not finish within "
                                + plan.timeoutMillis() + " ms (is the executor busy or shut down?)");
                    }
                    try {
                        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(splitStates, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for the splits of a step", e);
                    }
                }
            }
            for (SplitState s : splitStates) {
                if (s.failure != null) {
                    Throwable f = s.failure;
                    if (f instanceof RuntimeException r) {
                        throw r;
                    }
                    if (f instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException("split " + s.index + " of this step failed: " + f, f);
                }
            }
            for (SplitState s : splitStates) {
                if (!s.backwardDone) {
                    throw new IllegalStateException("split " + s.index + " of this step ended without its backward:"
                            + " it failed between its forward and its backward (the loss?), and DJL's EasyTrain"
                            + " does not report a split's exception");
                }
            }
        }
    }

    /** What became of one split of the step. */
    private static final class SplitState {
        final int index;
        volatile boolean finished;
        volatile boolean backwardDone;
        volatile Throwable failure;

        SplitState(int index) {
            this.index = index;
        }

        synchronized void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            }
        }
    }

    /**
     * The collective of a split that cannot meet the others: splits run one after the other on
     * one thread (no executor), or more splits than devices.
     */
    private static final class SequentialSplits implements StepCollective {

        private final int splits;

        SequentialSplits(int splits) {
            this.splits = splits;
        }

        @Override
        public int parties() {
            return splits;
        }

        @Override
        public double[] allReduceSum(double[] local) {
            throw new IllegalStateException("QSyncBatchNorm computes batch statistics over all " + splits
                    + " splits of a step, so the splits must run at the same time: give the training config"
                    + " an executor with at least " + splits + " threads (DefaultTrainingConfig"
                    + ".optExecutorService), train on one device, or convert without sync batch norm");
        }

        @Override
        public boolean claim(Object key) {
            return true;
        }
    }
}
