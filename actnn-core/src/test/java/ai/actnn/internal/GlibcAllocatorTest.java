package ai.actnn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/** When the engine tunes glibc's allocator, and that the tuning reaches glibc. */
class GlibcAllocatorTest {

    private static final UnaryOperator<String> NO_PROPERTIES = k -> null;

    @Test
    void tunesOnLinuxWhenNothingElseIsSet() {
        assertEquals(Optional.empty(), GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(), "Linux"));
        // a JVM container's arena limit is no choice about thresholds: the tuning still applies
        assertEquals(Optional.empty(), GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of("MALLOC_ARENA_MAX", "2"), "Linux"));
        assertEquals(Optional.empty(),
                GlibcAllocator.reasonToSkip(k -> k.equals(GlibcAllocator.PROPERTY) ? "TRUE" : null, Map.of(), "Linux"));
    }

    @Test
    void theSwitchTurnsItOff() {
        assertEquals(Optional.of("-Dactnn.allocatorTuning=false"),
                GlibcAllocator.reasonToSkip(k -> k.equals(GlibcAllocator.PROPERTY) ? "false" : null, Map.of(), "Linux"));
        assertEquals(Optional.of("ACTNN_ALLOCATOR_TUNING=false"),
                GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(GlibcAllocator.VARIABLE, " False "), "Linux"));
        // the property wins over the environment
        assertEquals(Optional.empty(), GlibcAllocator.reasonToSkip(
                k -> k.equals(GlibcAllocator.PROPERTY) ? "true" : null, Map.of(GlibcAllocator.VARIABLE, "false"), "Linux"));
    }

    @Test
    void aBadSwitchValueNamesItself() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(GlibcAllocator.VARIABLE, "sometimes"), "Linux"));
        assertTrue(e.getMessage().contains("ACTNN_ALLOCATOR_TUNING=sometimes"), e.getMessage());
        assertTrue(e.getMessage().contains("true or false"), e.getMessage());
    }

    @Test
    void theUsersOwnSettingsWin() {
        for (String tunable : new String[] {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_MAX_"}) {
            Optional<String> reason = GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(tunable, "65536"), "Linux");
            assertTrue(reason.isPresent() && reason.get().contains(tunable), tunable + ": " + reason);
        }
        assertTrue(GlibcAllocator.reasonToSkip(
                NO_PROPERTIES, Map.of("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"), "Linux").isPresent());
        assertEquals(Optional.empty(), GlibcAllocator.reasonToSkip(
                NO_PROPERTIES, Map.of("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F"), "Linux"));
    }

    @Test
    void otherSystemsAreLeftAlone() {
        assertTrue(GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(), "Mac OS X").isPresent());
        assertTrue(GlibcAllocator.reasonToSkip(NO_PROPERTIES, Map.of(), "Windows 11").isPresent());
    }

    @Test
    void malloptReachesGlibc() {
        assumeTrue(System.getProperty("os.name").toLowerCase().startsWith("linux"), "glibc's mallopt: Linux only");
        // The test JVM runs with MALLOC_MMAP_THRESHOLD_=65536 (memory measurements): setting the
        // same value again changes nothing; glibc refuses (answers 0 to) a fast-bin limit (M_MXFAST,
        // 1) above its maximum of 160 bytes, and leaves the limit as it was.
        assertTrue(GlibcAllocator.mallopt(GlibcAllocator.M_MMAP_THRESHOLD, 65536));
        assertFalse(GlibcAllocator.mallopt(1, 1 << 20));
    }

    @Test
    void testsKeepTheirMemoryMeasurements() {
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") != null, "runs where the build sets the threshold");
        assertFalse(GlibcAllocator.applyOnce(), "the environment's threshold must win");
    }
}
