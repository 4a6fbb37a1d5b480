package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.actnn.cuda.tools.ReferenceDataGenerator;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the CUDA kernels without a GPU: {@code actnn_kernels.cu} compiled as C++ with the SIMT
 * emulator of {@code src/test/cuda/simt_emu.h} (under AddressSanitizer when available, so any
 * out-of-bounds access fails), checked by the same suite as the GPU harness against the independent
 * host reference, and against the files of the Java CPU backend.
 */
class EmulatedKernelsTest {

    private static Path binary;
    private static String buildFailure;

    private static synchronized Path build() throws Exception {
        Optional<Path> cxx = NativeTools.cxx();
        assumeTrue(cxx.isPresent(), "no C++ compiler (g++ or CXX): the emulated kernels are not checked");
        if (binary != null) {
            return binary;
        }
        if (buildFailure != null) {
            throw new AssertionError(buildFailure);
        }
        Path exe = NativeTools.OUT.resolve("emu_check");
        List<String> base = List.of(cxx.get().toString(), "-std=c++20", "-O1", "-g", "-ffp-contract=off",
                "-fno-strict-aliasing", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas", "-I",
                NativeTools.KERNEL_DIR.toString(), "-I", NativeTools.TEST_CUDA_DIR.toString(),
                NativeTools.TEST_CUDA_DIR.resolve("emu_check.cpp").toString(), "-o", exe.toString());
        List<String> asan = new ArrayList<>(base);
        asan.add("-fsanitize=address");
        asan.add("-fno-omit-frame-pointer");
        NativeTools.Result r = NativeTools.run(600, asan);
        if (r.exitCode != 0) {
            // no AddressSanitizer runtime: build without it (bounds are still checked by guard bytes)
            r = NativeTools.run(600, base);
        }
        if (r.exitCode != 0) {
            buildFailure = "emu_check build failed:\n" + r.tail();
            throw new AssertionError(buildFailure);
        }
        binary = exe;
        return exe;
    }

    private static List<String> command(Path exe, String... args) {
        List<String> c = new ArrayList<>();
        c.add(exe.toString());
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void kernelsMatchTheHostReference() throws Exception {
        Path exe = build();
        NativeTools.Result r = NativeTools.run(900, command(exe));
        assertEquals(0, r.exitCode, r.tail());
        assertTrue(r.output.contains("EMULATED KERNEL CHECKS PASSED"), r.tail());
    }

    /** The reference data shipped for the GPU check (written by the generator from the CPU backend). */
    static final Path COMMITTED = NativeTools.MODULE.resolve("src/test/resources/reference-data");

    private static synchronized Path freshReferenceData() throws Exception {
        Path dir = NativeTools.MODULE.resolve("target/reference-data");
        if (Files.isDirectory(dir) && Boolean.getBoolean("actnn.reuseReferenceData")) {
            return dir;
        }
        try {
            ReferenceDataGenerator.generate(dir);
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "the CPU backend of this build cannot quantize (" + e.getMessage()
                    + "): no Java reference data");
        }
        return dir;
    }

    private static TreeSet<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".actnnref"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void committedReferenceDataIsCurrent() throws Exception {
        Path fresh = freshReferenceData();
        String regenerate = "regenerate with: mvn -o -q -pl actnn-cuda -am test -Dtest=EmulatedKernelsTest"
                + " && rm -rf src/test/resources/reference-data && cp -r target/reference-data src/test/resources/";
        TreeSet<String> missing = names(fresh);
        missing.removeAll(names(COMMITTED));
        TreeSet<String> extra = names(COMMITTED);
        extra.removeAll(names(fresh));
        assertTrue(missing.isEmpty() && extra.isEmpty(), missing.size() + " reference files missing (e.g. "
                + (missing.isEmpty() ? "-" : missing.first()) + "), " + extra.size() + " obsolete (e.g. "
                + (extra.isEmpty() ? "-" : extra.first()) + "); " + regenerate);
        for (String n : names(fresh)) {
            assertTrue(Arrays.equals(Files.readAllBytes(fresh.resolve(n)), Files.readAllBytes(COMMITTED.resolve(n))),
                    n + " differs from what the CPU backend writes now; " + regenerate);
        }
    }

    @Test
    void kernelsMatchTheCommittedReferenceData() throws Exception {
        // Runs without the CPU backend: the bytes it wrote when the data was generated.
        Path exe = build();
        NativeTools.Result r = NativeTools.run(900, command(exe, "--quick", "--ref-dir", COMMITTED.toString()));
        assertEquals(0, r.exitCode, r.tail());
        assertTrue(r.output.contains("EMULATED KERNEL CHECKS PASSED"), r.tail());
    }

    @Test
    void kernelsMatchTheJavaCpuBackend() throws Exception {
        Path dir = freshReferenceData();
        Path exe = build();
        NativeTools.Result r = NativeTools.run(900, command(exe, "--quick", "--ref-dir", dir.toString()));
        assertEquals(0, r.exitCode, r.tail());
        assertTrue(r.output.contains("EMULATED KERNEL CHECKS PASSED"), r.tail());
    }
}
