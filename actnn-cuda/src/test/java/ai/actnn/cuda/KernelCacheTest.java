package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/** Keys, file names and atomic writes of the NVRTC cubin cache. */
class KernelCacheTest {

    @Test
    void directoryPrecedence() {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        assertEquals(Paths.get("/home/u/.cache/actnn/cuda"), KernelCache.directory(p, Map.of()));
        assertEquals(Paths.get("/xdg/actnn/cuda"), KernelCache.directory(p, Map.of("XDG_CACHE_HOME", "/xdg")));
        assertEquals(Paths.get("/env"),
                KernelCache.directory(p, Map.of("XDG_CACHE_HOME", "/xdg", KernelCache.DIR_ENV, "/env")));
        p.setProperty(KernelCache.DIR_PROPERTY, "/prop");
        assertEquals(Paths.get("/prop"),
                KernelCache.directory(p, Map.of("XDG_CACHE_HOME", "/xdg", KernelCache.DIR_ENV, "/env")));
    }

    @Test
    void keyDependsOnSourceOptionsAndCompiler() {
        String k = KernelCache.key("src", List.of("-fmad=false"), "12.9");
        assertEquals(16, k.length());
        assertTrue(k.matches("[0-9a-f]{16}"));
        assertEquals(k, KernelCache.key("src", List.of("-fmad=false"), "12.9"), "stable");
        assertNotEquals(k, KernelCache.key("src ", List.of("-fmad=false"), "12.9"), "source");
        assertNotEquals(k, KernelCache.key("src", List.of("-fmad=true"), "12.9"), "options");
        assertNotEquals(k, KernelCache.key("src", List.of("-fmad=false"), "12.8"), "compiler version");
        assertNotEquals(KernelCache.key("a", List.of("b"), "c"), KernelCache.key("ab", List.of(""), "c"),
                "parts are separated");
    }

    @Test
    void fileNameCarriesTheArchitecture(@TempDir Path dir) {
        KernelCache cache = new KernelCache(dir);
        assertEquals(dir.resolve("0123456789abcdef-sm_90.cubin"), cache.cubinPath("0123456789abcdef", 9, 0));
        assertEquals(dir.resolve("0123456789abcdef-sm_86.cubin"), cache.cubinPath("0123456789abcdef", 8, 6));
    }

    @Test
    void writeThenRead(@TempDir Path dir) throws Exception {
        KernelCache cache = new KernelCache(dir.resolve("nested/cache"));
        assertFalse(cache.read("k", 9, 0).isPresent());
        byte[] cubin = {1, 2, 3, 4};
        assertTrue(cache.write("k", 9, 0, cubin));
        assertArrayEquals(cubin, cache.read("k", 9, 0).orElseThrow());
        assertFalse(cache.read("k", 8, 0).isPresent(), "another architecture is another file");
        try (Stream<Path> files = Files.list(dir.resolve("nested/cache"))) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        assertTrue(cache.write("k", 9, 0, new byte[] {9}), "overwrites");
        assertArrayEquals(new byte[] {9}, cache.read("k", 9, 0).orElseThrow());
    }

    @Test
    void unwritableCacheOnlyCostsARecompilation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        KernelCache cache = new KernelCache(file.resolve("sub"));  // a directory below a file
        assertFalse(cache.write("k", 9, 0, new byte[] {1}));
        assertFalse(cache.read("k", 9, 0).isPresent());
    }
}
