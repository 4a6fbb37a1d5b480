package ai.actnn.quant.cpu;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a loop over units (groups, mask bytes) in contiguous ranges on a few threads. Each unit's
 * result depends on the unit alone, so the bytes produced never depend on the thread count or the
 * ranges; only the speed does.
 *
 * <p>The calling thread works too: it starts at once, while helper threads (shared per thread
 * count, daemons that end when idle) join as soon as they wake up, each claiming the next
 * unclaimed range. Waking a parked thread can take longer than a whole call on a busy or
 * virtualised machine, so nothing waits for the helpers to start; a helper that arrives late
 * finds no range left and leaves. The work is split into several ranges per thread so that a
 * thread slowed by other work (PyTorch's own threads, another process) holds back only a small
 * part.
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
    private static final Map<Integer, ExecutorService> HELPERS = new ConcurrentHashMap<>();
    private static final int RANGES_PER_THREAD = 8;

    private final int threads;
    private final long minWorkPerRange;

    /**
     * Creates a runner.
     *
     * @param threads the number of threads, the caller's included (1 runs everything on the
     *     calling thread)
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
     * Runs {@code body} over {@code [0, units)} and returns when every range has finished.
     *
     * @param units the number of units
     * @param workPerUnit the work of one unit in elements, to size the ranges
     * @param body the loop body
     */
    void run(int units, long workPerUnit, Body body) {
        if (units <= 0) {
            return;
        }
        long byWork = Math.max(1, units * Math.max(1, workPerUnit) / minWorkPerRange);
        int ranges = (int) Math.min(Math.min((long) threads * RANGES_PER_THREAD, byWork), units);
        if (ranges <= 1 || threads == 1) {
            body.run(0, units);
            return;
        }
        Job job = new Job(units, ranges, body);
        ExecutorService helpers = helpers(threads - 1);
        for (int h = 0; h < Math.min(threads - 1, ranges - 1); h++) {
            helpers.execute(job::work);
        }
        job.work();
        job.awaitAndRethrow();
    }

    /** The ranges of one call: claimed one at a time by whichever thread is free. */
    private static final class Job {
        private final int units;
        private final int ranges;
        private final Body body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int units, int ranges, Body body) {
            this.units = units;
            this.ranges = ranges;
            this.body = body;
            this.done = new CountDownLatch(ranges);
        }

        void work() {
            for (int r = next.getAndIncrement(); r < ranges; r = next.getAndIncrement()) {
                int from = (int) ((long) units * r / ranges);
                int to = (int) ((long) units * (r + 1) / ranges);
                try {
                    body.run(from, to);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        }

        /**
         * Waits for the ranges other threads are still running (they write into memory that
         * the caller frees once this returns), then rethrows the first failure.
         */
        void awaitAndRethrow() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
    }

    private static ExecutorService helpers(int count) {
        return HELPERS.computeIfAbsent(count, Parallel::newHelpers);
    }

    private static ExecutorService newHelpers(int count) {
        AtomicInteger counter = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(count, count, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "actnn-cpu-" + (count + 1) + "-" + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        logger.debug("ActNN CPU quantizer: {} helper threads", count);
        return pool;
    }
}
