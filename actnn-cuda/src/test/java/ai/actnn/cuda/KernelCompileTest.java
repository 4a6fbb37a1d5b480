package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped kernels compile with nvcc (no GPU needed): to PTX for compute_75 with every warning
 * an error, to SASS for the main architectures, without FMA contraction, and as PTX declaring the
 * older ISA version the loader falls back to. Skipped (with a message) only when nvcc is absent.
 */
class KernelCompileTest {

    private static Path nvcc() {
        Optional<Path> nvcc = NativeTools.nvcc();
        assumeTrue(nvcc.isPresent(), "nvcc not found (set -Dactnn.nvcc, NVCC or CUDA_HOME): kernel compilation"
                + " is not checked on this machine");
        return nvcc.get();
    }

    @Test
    void compilesToPtxWithoutWarnings() throws Exception {
        String ptx = Ptx.build(nvcc());
        assertTrue(ptx.contains(".target sm_75"), "PTX targets compute_75");
        Matcher m = Pattern.compile("(?m)^extern \"C\"|^ACTNN_DEFINE_QUANTIZE\\(actnn_").matcher(
                Files.readString(NativeTools.KERNEL_DIR.resolve("actnn_kernels.cu"), StandardCharsets.UTF_8));
        int declared = 0;
        while (m.find()) {
            declared++;
        }
        assertEquals(declared, Ptx.entries(ptx).size(), "every extern \"C\" kernel is an entry point of the PTX");
    }

    @Test
    void noFusedMultiplyAdd() throws Exception {
        String ptx = Ptx.build(nvcc());
        // The packed bytes must equal the Java reference's: no fp32/fp64 operation may be fused.
        assertFalse(Pattern.compile("\\b(fma|mad)\\.(rn\\.)?(f32|f64)").matcher(ptx).find(), "no FMA in the PTX");
    }

    @Test
    void assemblesForRealGpus() throws Exception {
        Path nvcc = nvcc();
        Ptx.build(nvcc);
        Optional<Path> ptxas = NativeTools.ptxas(nvcc);
        assumeTrue(ptxas.isPresent(), "ptxas not found next to nvcc");
        for (String arch : List.of("sm_75", "sm_80", "sm_90")) {
            NativeTools.Result r = NativeTools.run(300, List.of(ptxas.get().toString(), "-arch=" + arch, "-o",
                    NativeTools.OUT.resolve("kernels_" + arch + ".cubin").toString(), Ptx.file().toString()));
            assertEquals(0, r.exitCode, "ptxas " + arch + ":\n" + r.tail());
        }
    }

    @Test
    void olderPtxIsaIsValid() throws Exception {
        Path nvcc = nvcc();
        String ptx = Ptx.build(nvcc);
        Optional<Path> ptxas = NativeTools.ptxas(nvcc);
        assumeTrue(ptxas.isPresent(), "ptxas not found next to nvcc");
        // What CudaDriver loads when the driver rejects nvcc 13's ISA version.
        String older = KernelSource.withPtxVersion(ptx, KernelSource.FALLBACK_PTX_ISA);
        assertEquals(KernelSource.FALLBACK_PTX_ISA, KernelSource.ptxVersion(older).orElseThrow());
        Path file = NativeTools.OUT.resolve("actnn_kernels_isa" + KernelSource.FALLBACK_PTX_ISA + ".ptx");
        Files.writeString(file, older, StandardCharsets.UTF_8);
        NativeTools.Result r = NativeTools.run(300, List.of(ptxas.get().toString(), "-arch=sm_75", "-o",
                NativeTools.OUT.resolve("kernels_old_isa.cubin").toString(), file.toString()));
        assertEquals(0, r.exitCode, "ptxas on PTX declared as ISA " + KernelSource.FALLBACK_PTX_ISA + ":\n" + r.tail());
    }

    @Test
    void mavenBuildShippedPtx() throws Exception {
        nvcc();
        // With nvcc present, the build-ptx profile put the PTX next to the source in the jar.
        Optional<String> ptx = KernelSource.prebuiltPtx();
        assertTrue(ptx.isPresent(), "target/classes/ai/actnn/cuda/actnn_kernels.ptx was built");
        assertEquals(Ptx.entries(Ptx.build(nvcc())).keySet(), Ptx.entries(ptx.get()).keySet());
    }
}
