package ai.actnn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks that the resident set follows real DJL tensor allocations (NOTES section 3). Surefire
 * starts the test JVM with {@code MALLOC_MMAP_THRESHOLD_=65536}.
 */
class ProcessMemoryTest {

    private static final long MIB = 1024L * 1024;
    private static final long TENSOR_BYTES = 64 * MIB;
    private static final long TOLERANCE = 4 * MIB;

    @BeforeAll
    static void requireLinuxAndTunedMalloc() {
        assumeTrue(ProcessMemory.isSupported(), ProcessMemory::unsupportedReason);
        assertTrue(ProcessMemory.mallocTuned(), ProcessMemory.mallocWarning());
        // load libtorch and create its thread pools before measuring anything
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.ones(new Shape(1024)).sum().getFloat();
        }
    }

    @Test
    void residentSetFollowsA64MegabyteTensor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long before = ProcessMemory.rssBytes();
            NDArray ones = manager.ones(new Shape(16, 1024, 1024)); // 16 Mi floats = 64 MiB
            long grown = ProcessMemory.rssBytes() - before;
            assertEquals(TENSOR_BYTES, grown, TOLERANCE, "RSS growth after allocating 64 MiB");
            ones.close();
            long after = ProcessMemory.rssBytes() - before;
            assertEquals(0, after, TOLERANCE, "RSS change after closing the tensor");
        }
    }

    @Test
    void aFreshlyMappedTensorFaultsItsPagesIn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long before = ProcessMemory.minorFaults();
            // 64 MiB: mapped anew (the build's MALLOC_MMAP_THRESHOLD_), its pages first touched here;
            // transparent huge pages may back it with 2 MiB pages, one fault each
            NDArray ones = manager.ones(new Shape(16, 1024, 1024));
            long faults = ProcessMemory.minorFaults() - before;
            ones.close();
            assertTrue(faults >= TENSOR_BYTES / (2 << 20), "faults while filling 64 MiB: " + faults);
            long idle = ProcessMemory.minorFaults();
            assertTrue(idle >= before + faults, "the count never goes back");
        }
    }

    @Test
    void windowReportsRetainedAndPeakBytes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MemoryWindow window = ProcessMemory.openWindow();
            NDArray ones = manager.ones(new Shape(16, 1024, 1024));
            long retained = window.mark();
            ones.close();
            MemoryMeasurement m = window.close();
            assertTrue(m.peakReset(), "the kernel should accept clear_refs 5");
            assertEquals(retained, m.retainedBytes());
            assertEquals(TENSOR_BYTES, m.retainedBytes(), TOLERANCE, "retained at the mark");
            assertEquals(TENSOR_BYTES, m.peakBytes(), TOLERANCE, "peak of the window");
            assertEquals(0, m.leakedBytes(), TOLERANCE, "held at the end");
        }
    }

    @Test
    void measureReportsThePeakOfTransientWork() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MemoryMeasurement m =
                    ProcessMemory.measure(
                            () -> {
                                try (NDArray a = manager.ones(new Shape(16, 1024, 1024))) {
                                    a.getShape();
                                }
                            });
            assertEquals(0, m.retainedBytes(), TOLERANCE, "nothing retained");
            assertEquals(TENSOR_BYTES, m.peakBytes(), TOLERANCE, "transient peak");
        }
    }
}
