package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/** The range runner: every unit exactly once, and no range still running after a failure. */
class ParallelTest {

    @Test
    void everyUnitRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int units : new int[] {0, 1, 7, 100, 10_000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(units, 1));
                new Parallel(threads, 1).run(units, 1, (from, to) -> {
                    for (int u = from; u < to; u++) {
                        seen.incrementAndGet(u);
                    }
                });
                for (int u = 0; u < units; u++) {
                    assertEquals(1, seen.get(u), "unit " + u + " with " + threads + " threads");
                }
            }
        }
    }

    @Test
    void aFailureIsRethrownOnlyAfterEveryRangeHasFinished() {
        RuntimeException boom = new IllegalStateException("boom");
        AtomicInteger running = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> new Parallel(4, 1).run(32, 1, (from, to) -> {
                    running.incrementAndGet();
                    try {
                        if (from == 0) {
                            throw boom;
                        }
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        running.decrementAndGet();
                        finished.incrementAndGet();
                    }
                }));
        assertSame(boom, thrown);
        assertEquals(0, running.get(), "a range was still running when the failure surfaced");
        assertEquals(32, finished.get(), "every range ran to its end");
    }
}
