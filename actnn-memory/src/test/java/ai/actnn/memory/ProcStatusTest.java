package ai.actnn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ProcStatusTest {

    private static final String SAMPLE =
            "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t3\n";

    @Test
    void readsKilobyteFieldsAsBytes() {
        assertEquals(1024L * 1024, ProcStatus.fieldBytes(SAMPLE, "VmRSS"));
        assertEquals(2048L * 1024, ProcStatus.fieldBytes(SAMPLE, "VmHWM"));
    }

    @Test
    void doesNotMatchFieldPrefixes() {
        // "VmPeak" must not be found when asking for "VmPea" or similar prefixes
        assertThrows(IllegalStateException.class, () -> ProcStatus.fieldBytes(SAMPLE, "VmPea"));
    }

    @Test
    void missingAndMalformedFieldsFailClearly() {
        assertThrows(IllegalStateException.class, () -> ProcStatus.fieldBytes(SAMPLE, "VmSwap"));
        assertThrows(IllegalStateException.class, () -> ProcStatus.fieldBytes(SAMPLE, "Threads"));
    }
}
