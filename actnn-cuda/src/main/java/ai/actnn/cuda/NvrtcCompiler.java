package ai.actnn.cuda;

import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetNumSupportedArchs;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTX;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTXSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetSupportedArchs;
import static org.bytedeco.cuda.global.nvrtc.nvrtcVersion;

import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compiles the kernel source at run time with NVRTC ({@code org.bytedeco.cuda.global.nvrtc}), the
 * fallback when the jar has no prebuilt PTX or the driver rejects it. NVRTC needs {@code
 * libnvrtc.so.12} (a CUDA 12 toolkit or {@code org.bytedeco:cuda-platform-redist}); if it is
 * missing, the first call throws a {@link LinkageError}, which the caller reports.
 */
final class NvrtcCompiler {

    /**
     * Options of every compilation. {@code -fmad=false} keeps even plain fp32 expressions unfused,
     * as the prebuilt PTX (the kernels already use the {@code __f*_rn} intrinsics).
     */
    static final List<String> OPTIONS = List.of("-fmad=false", "--std=c++17");

    private NvrtcCompiler() {}

    /** The result of a compilation: a cubin for the device, or PTX for the driver to JIT. */
    static final class Output {
        final byte[] image;
        final boolean cubin;
        final String target;

        Output(byte[] image, boolean cubin, String target) {
            this.image = image;
            this.cubin = cubin;
            this.target = target;
        }
    }

    /**
     * Returns the NVRTC version.
     *
     * @return e.g. {@code "12.9"}
     */
    static String version() {
        int[] major = {0};
        int[] minor = {0};
        check(nvrtcVersion(major, minor), "nvrtcVersion", "");
        return major[0] + "." + minor[0];
    }

    /**
     * Compiles for a device: a cubin for {@code sm_<major><minor>} when NVRTC knows that
     * architecture, otherwise PTX for the newest architecture it knows (a device newer than the
     * NVRTC library), which the driver then compiles.
     *
     * @param source the CUDA C source
     * @param major the compute capability's major version
     * @param minor its minor version
     * @return the image
     * @throws CudaException if the compilation fails (with NVRTC's log)
     */
    static Output compile(String source, int major, int minor) {
        int arch = major * 10 + minor;
        int[] supported = supportedArchs();
        boolean known = Arrays.stream(supported).anyMatch(a -> a == arch);
        int target = arch;
        if (!known) {
            target = Arrays.stream(supported).filter(a -> a <= arch).max().orElse(-1);
            if (target < 0) {
                throw new CudaException("nvrtc", -1, "NVRTC " + version() + " supports no architecture <= sm_" + arch
                        + " (supported: " + Arrays.toString(supported) + ")");
            }
        }
        List<String> options = new ArrayList<>(OPTIONS);
        options.add("--gpu-architecture=" + (known ? "sm_" : "compute_") + target);
        _nvrtcProgram program = new _nvrtcProgram();
        check(nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(KernelSource.SOURCE_RESOURCE), 0,
                        (PointerPointer<?>) null, (PointerPointer<?>) null),
                "nvrtcCreateProgram", "");
        try {
            PointerPointer<BytePointer> opts = new PointerPointer<>(options.toArray(new String[0]));
            int r = nvrtcCompileProgram(program, options.size(), opts);
            if (r != NVRTC_SUCCESS) {
                check(r, "nvrtcCompileProgram " + String.join(" ", options), log(program));
            }
            SizeTPointer size = new SizeTPointer(1);
            byte[] image;
            if (known) {
                check(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", "");
                image = new byte[(int) size.get()];
                check(nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN", "");
            } else {
                check(nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize", "");
                image = new byte[(int) size.get()];  // includes the terminating NUL
                check(nvrtcGetPTX(program, image), "nvrtcGetPTX", "");
            }
            return new Output(image, known, (known ? "sm_" : "compute_") + target);
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static int[] supportedArchs() {
        int[] count = {0};
        check(nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs", "");
        int[] archs = new int[count[0]];
        if (count[0] > 0) {
            check(nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", "");
        }
        return archs;
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) {
            return "";
        }
        byte[] log = new byte[(int) size.get()];
        if (nvrtcGetProgramLog(program, log) != NVRTC_SUCCESS) {
            return "";
        }
        return new String(log, 0, log.length - 1, StandardCharsets.UTF_8).trim();
    }

    private static void check(int result, String operation, String log) {
        if (result != NVRTC_SUCCESS) {
            BytePointer s = nvrtcGetErrorString(result);
            String text = s == null ? "error " + result : s.getString();
            throw new CudaException(operation, result,
                    operation + " failed: " + text + (log.isEmpty() ? "" : "\n" + log));
        }
    }
}
