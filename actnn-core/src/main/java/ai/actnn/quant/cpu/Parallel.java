package ai.actnn.quant.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a loop over units (groups, mask bytes) in contiguous ranges on a few threads. Each unit's
 * result depends on the unit alone, so the bytes produced never depend on the thread count or the
 * ranges; only the speed does.
 *
 * <p>The pools are shared per thread count and made of daemon threads that end when idle, so
 * backends can be created freely. The work is split into a few more ranges than threads so that a
 * core busy with something else (PyTorch's own threads, another process) delays only a small part.
 */
final class Parallel {

    /** A loop body over the units {@code [from, to)}. */
    @FunctionalInterface
    interface Body {
        /**
         * Processes a range of units.
         *
         * @param from the first unit
         * @param to one past the last unit
         */
        void run(int from, int to);
    }

    private static final Logger logger = LoggerFactory.getLogger(Parallel.class);
    private static final Map<Integer, ForkJoinPool> POOLS = new ConcurrentHashMap<>();
    private static final int RANGES_PER_THREAD = 4;

    private final int threads;
    private final long minWorkPerRange;

    /**
     * Creates a runner.
     *
     * @param threads the number of threads (1 runs everything on the calling thread)
     * @param minWorkPerRange the least work (in elements) worth a range of its own: below it, the
     *     cost of handing work to another thread exceeds the gain
     */
    Parallel(int threads, long minWorkPerRange) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count " + threads + " is invalid: allowed is >= 1");
        }
        if (minWorkPerRange < 1) {
            throw new IllegalArgumentException(
                    "minimum work per range " + minWorkPerRange + " is invalid: allowed is >= 1");
        }
        this.threads = threads;
        this.minWorkPerRange = minWorkPerRange;
    }

    /**
     * Returns the number of threads.
     *
     * @return the thread count
     */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, units)}.
     *
     * @param units the number of units
     * @param workPerUnit the work of one unit in elements, to size the ranges
     * @param body the loop body
     */
    void run(int units, long workPerUnit, Body body) {
        if (units <= 0) {
            return;
        }
        long ranges = Math.min(
                (long) threads * RANGES_PER_THREAD,
                Math.max(1, units * Math.max(1, workPerUnit) / minWorkPerRange));
        ranges = Math.min(ranges, units);
        if (ranges <= 1 || threads == 1) {
            body.run(0, units);
            return;
        }
        // Every range runs to its end even if another fails: the ranges write into tensor memory
        // that the caller frees once this returns, so none may still be running then.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<RecursiveAction> tasks = new ArrayList<>((int) ranges);
        for (int r = 0; r < ranges; r++) {
            int from = (int) (units * (long) r / ranges);
            int to = (int) (units * (long) (r + 1) / ranges);
            tasks.add(new RecursiveAction() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void compute() {
                    try {
                        body.run(from, to);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            });
        }
        pool(threads).invoke(new RecursiveAction() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void compute() {
                invokeAll(tasks);
            }
        });
        Throwable t = failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private static ForkJoinPool pool(int threads) {
        return POOLS.computeIfAbsent(threads, Parallel::newPool);
    }

    private static ForkJoinPool newPool(int threads) {
        AtomicInteger counter = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("actnn-cpu-" + threads + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        logger.debug("ActNN CPU quantizer pool with {} threads", threads);
        return new ForkJoinPool(threads, factory, null, false);
    }
}
