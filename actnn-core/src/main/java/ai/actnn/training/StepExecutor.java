package ai.actnn.training;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The executor an {@link ActNNTrainer} hands to DJL's {@code EasyTrain}: the training config's
 * executor, whose tasks submitted while a step's collector is open on the submitting thread run
 * as splits of that step (each on a tape of its own on the worker thread, recorded and compressed
 * like the unsplit step). Tasks submitted outside a step (validation) run unchanged.
 */
final class StepExecutor extends AbstractExecutorService {

    private final ExecutorService delegate;

    StepExecutor(ExecutorService delegate) {
        this.delegate = delegate;
    }

    /** Returns the wrapped executor. */
    ExecutorService delegate() {
        return delegate;
    }

    @Override
    public void execute(Runnable command) {
        CompressedGradientCollector step = CompressedGradientCollector.openOnThisThread();
        if (step == null) {
            delegate.execute(command);
            return;
        }
        // The split number is taken here, on the submitting thread, so splits are numbered in
        // submission order (EasyTrain submits them in batch order): deterministic sums.
        delegate.execute(step.split(command));
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }
}
