package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.actnn.quant.MaxPool2dSpec;
import ai.djl.ndarray.types.DataType;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The Java launchers pass exactly the parameters the kernels declare: every {@link CudaKernels}
 * call is recorded (no GPU) and its argument kinds are compared with the kernel's PTX parameter
 * list; together the calls cover every kernel of the module.
 */
class KernelAbiTest {

    /** Records launches instead of running them. */
    static final class Recorder implements KernelLauncher {
        final LaunchConfig config = new LaunchConfig(132);
        final Map<String, String> kinds = new LinkedHashMap<>();
        final List<Integer> grids = new ArrayList<>();

        @Override
        public LaunchConfig config() {
            return config;
        }

        @Override
        public void launch(String kernel, int grid, KernelArgs args) {
            kinds.put(kernel, args.kinds());
            grids.add(grid);
        }
    }

    static Recorder callEverything() {
        Recorder rec = new Recorder();
        CudaKernels k = new CudaKernels(rec);
        CudaKernels.Layout uniform = new CudaKernels.Layout(70_000, 300, 2, 256, 0, 0, 2);
        CudaKernels.Layout perSample = new CudaKernels.Layout(3, 5, 1, 256, 0x1000, 0x2000, 0);
        MaxPool2dSpec pool = MaxPool2dSpec.of(3, 2, 1, false);
        for (DataType t : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
            for (int v : new int[] {2, 4, 8, 16}) {
                k.quantizeFused(t, v, 1, 2, 3, uniform, 42, true, false, true);
            }
            k.groupStats(t, 1, 2, uniform, false);
            k.pack(t, 1, 2, 3, perSample, 42, false, true, true);
            k.unpack(t, 1, 2, perSample, true, false);
            k.reluForward(t, 1, 2, 3, 1000);
            k.dropoutForward(t, 1, 2, 3, 1000, 7, 0.5f, 2f);
            k.applyMask(t, 1, 2, 3, 1000, 2f);
            k.maxPoolForward(t, 1, 2, 3, 64, 56, 56, 28, 28, pool);
            k.maxPoolBackward(t, 1, 2, 3, 64, 56, 56, 28, 28, pool);
        }
        k.fp16Check(1, 2, perSample);
        k.rangeSquares(1, 2, uniform);
        for (int w : new int[] {1, 2, 4, 8}) {
            k.packNonZero(w, 1, 2, 1000, -1L);
        }
        return rec;
    }

    @Test
    void argumentsMatchThePtxSignatures() throws Exception {
        Optional<Path> nvcc = NativeTools.nvcc();
        assumeTrue(nvcc.isPresent(), "nvcc not found: the kernel signatures cannot be read on this machine");
        Map<String, String> ptx = Ptx.entries(Ptx.build(nvcc.get()));
        Recorder rec = callEverything();
        for (Map.Entry<String, String> e : rec.kinds.entrySet()) {
            assertTrue(ptx.containsKey(e.getKey()), "kernel " + e.getKey() + " exists");
            assertEquals(ptx.get(e.getKey()), e.getValue(), "parameters of " + e.getKey());
        }
        assertEquals(new TreeSet<>(ptx.keySet()), new TreeSet<>(rec.kinds.keySet()),
                "the Java launchers cover every kernel");
    }

    @Test
    void kernelNamesExistInTheSource() {
        // Without nvcc: every launched name is an extern "C" kernel of the shipped source.
        String source = KernelSource.source();
        for (String name : callEverything().kinds.keySet()) {
            String bare = name;
            boolean defined = source.contains(" " + bare + "(") || source.contains("(" + bare + ",");
            assertTrue(defined, name + " is defined in actnn_kernels.cu");
        }
    }

    @Test
    void gridsStayWithinTheCap() {
        Recorder rec = callEverything();
        for (int g : rec.grids) {
            assertTrue(g >= 1 && g <= rec.config.maxBlocks(), "grid " + g);
        }
    }
}
