package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The standalone GPU check builds here (nvcc, host code compiled and linked), its embedded host
 * reference passes its self-test, and without a GPU it stops with a clear message and exit status
 * 2 instead of crashing.
 */
class HarnessBuildTest {

    @Test
    void buildsAndFailsGracefullyWithoutAGpu() throws Exception {
        Optional<Path> nvcc = NativeTools.nvcc();
        assumeTrue(nvcc.isPresent(), "nvcc not found: the standalone GPU check is not built on this machine");
        Path exe = NativeTools.OUT.resolve("actnn-gpu-check");
        // the flags of gpu-check.sh, with PTX only (no GPU to target here)
        NativeTools.Result build = NativeTools.run(600, List.of(nvcc.get().toString(), "-O2", "-std=c++17",
                "-fmad=false", "-Xcompiler", "-ffp-contract=off", "-Werror", "all-warnings", "-gencode",
                "arch=compute_75,code=compute_75", "-I", NativeTools.KERNEL_DIR.toString(), "-I",
                NativeTools.TEST_CUDA_DIR.toString(), NativeTools.TEST_CUDA_DIR.resolve("harness.cu").toString(),
                "-o", exe.toString()));
        assertEquals(0, build.exitCode, "harness build:\n" + build.tail());

        NativeTools.Result self = NativeTools.run(120, List.of(exe.toString(), "--host-selftest"));
        assertEquals(0, self.exitCode, self.tail());
        assertTrue(self.output.contains("HOST SELF-TEST PASSED"), self.tail());

        NativeTools.Result run = NativeTools.run(120, List.of(exe.toString(), "--no-bench"));
        assumeTrue(run.exitCode == 2 || !run.output.contains("\"type\":\"device\""),
                "a GPU is present: the harness ran the checks (exit " + run.exitCode + ")");
        assertEquals(2, run.exitCode, run.tail());
        assertTrue(run.output.contains("no CUDA device found"), run.tail());
        assertTrue(run.output.contains("host reference self-test passed"), run.tail());
    }
}
