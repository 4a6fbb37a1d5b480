package ai.actnn.cuda;

import static org.bytedeco.cuda.global.cudart.CUDA_ERROR_INVALID_PTX;
import static org.bytedeco.cuda.global.cudart.CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuCtxSynchronize;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetCount;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuInit;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;

import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA driver API through {@code org.bytedeco.cuda} (JNI): initialisation, the device's
 * primary context, the kernel module and launches. This is the only class (with {@link
 * NvrtcCompiler} and {@link KernelArgs}) that touches {@code org.bytedeco} types, so that
 * machines without CUDA libraries fail in one place, inside {@link CudaSupport}'s probe.
 *
 * <p><b>Context.</b> Kernels run in the device's <em>primary</em> context ({@code
 * cuDevicePrimaryCtxRetain}), the one the CUDA runtime, and so PyTorch, uses: device pointers of
 * DJL tensors are valid in it. It is made current on the calling thread before every launch.
 *
 * <p><b>Stream.</b> Every launch goes to the legacy default stream ({@code CUstream} 0). PyTorch
 * issues its work on its current stream, which in DJL is always the default stream (DJL has no
 * stream API), and PyTorch's default stream is the legacy default stream (PyTorch is not built
 * with per-thread default streams). Our kernels are therefore ordered after the PyTorch ops that
 * produced their inputs and before those that consume their outputs, with no extra
 * synchronisation; reading a result on the host (DJL's {@code toArray}) waits for them.
 *
 * <p>Set {@code -Dactnn.cuda.sync=true} to synchronise after every launch, so that an
 * asynchronous kernel fault is reported with the name of the kernel that caused it.
 */
final class CudaDriver {

    private static final Logger logger = LoggerFactory.getLogger(CudaDriver.class);

    /** Kernel loading: {@code auto} (prebuilt PTX, then NVRTC), {@code ptx} or {@code nvrtc}. */
    static final String KERNELS_PROPERTY = "actnn.cuda.kernels";

    /** Synchronise and check after every launch (debugging). */
    static final String SYNC_PROPERTY = "actnn.cuda.sync";

    private static final Object LOCK = new Object();
    private static CudaDriver instance;
    private static RuntimeException initFailure;

    private final int driverVersion;
    private final int deviceCount;
    private final boolean syncAfterLaunch;
    private final Map<Integer, DeviceState> devices = new ConcurrentHashMap<>();

    private CudaDriver() {
        check(cuInit(0), "cuInit");
        int[] v = {0};
        check(cuDriverGetVersion(v), "cuDriverGetVersion");
        driverVersion = v[0];
        int[] n = {0};
        check(cuDeviceGetCount(n), "cuDeviceGetCount");
        deviceCount = n[0];
        syncAfterLaunch = Boolean.getBoolean(SYNC_PROPERTY);
    }

    /**
     * Returns the driver, initialising it on first use. A failure is remembered and rethrown.
     *
     * @return the driver
     * @throws CudaException if the CUDA libraries or the driver cannot be loaded or initialised
     */
    static CudaDriver get() {
        synchronized (LOCK) {
            if (instance != null) {
                return instance;
            }
            if (initFailure != null) {
                throw initFailure;
            }
            try {
                instance = new CudaDriver();
                return instance;
            } catch (CudaException e) {
                initFailure = e;
                throw e;
            } catch (LinkageError | RuntimeException e) {
                // UnsatisfiedLinkError / NoClassDefFoundError: no libcuda.so.1 or libcudart.so.12
                initFailure = new CudaException("load",
                        "the CUDA driver API could not be loaded through org.bytedeco.cuda (it needs the NVIDIA"
                                + " driver's libcuda.so.1 and CUDA 12's libcudart.so.12, e.g. from"
                                + " org.bytedeco:cuda-platform-redist): " + e,
                        e);
                throw initFailure;
            }
        }
    }

    /**
     * Returns the CUDA version the driver supports, as {@code 1000 * major + 10 * minor}.
     *
     * @return e.g. 12040
     */
    int driverVersion() {
        return driverVersion;
    }

    /**
     * Returns the number of visible devices.
     *
     * @return the count
     */
    int deviceCount() {
        return deviceCount;
    }

    /**
     * Returns a device with its context and kernels, loading them on first use.
     *
     * @param ordinal the CUDA device ordinal (DJL's GPU id)
     * @return the device
     * @throws CudaException if the device does not exist or the kernels cannot be loaded
     */
    DeviceState device(int ordinal) {
        DeviceState d = devices.get(ordinal);
        if (d != null) {
            return d;
        }
        synchronized (devices) {
            d = devices.get(ordinal);
            if (d == null) {
                if (ordinal < 0 || ordinal >= deviceCount) {
                    throw new CudaException("cuDeviceGet", -1,
                            "no CUDA device " + ordinal + " (" + deviceCount + " visible)");
                }
                d = new DeviceState(ordinal, syncAfterLaunch);
                devices.put(ordinal, d);
            }
            return d;
        }
    }

    static void check(int result, String operation) {
        if (result != 0) {
            throw error(operation, result);
        }
    }

    static CudaException error(String operation, int result) {
        return new CudaException(operation, result, operation + " failed: " + errorText(result));
    }

    /**
     * Returns {@code "NAME (description)"} for a CUresult.
     *
     * @param result the code
     * @return the text
     */
    static String errorText(int result) {
        String name = "CUresult " + result;
        String text = "";
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            if (cuGetErrorName(result, p) == 0 && p.get(0) != null) {
                name = p.getString(0);
            }
            if (cuGetErrorString(result, p) == 0 && p.get(0) != null) {
                text = p.getString(0);
            }
        } catch (RuntimeException e) {
            // the code alone still identifies the error
        }
        return text.isEmpty() ? name : name + " (" + text + ")";
    }

    /** One device: its retained primary context, the loaded module and kernel handles. */
    static final class DeviceState implements KernelLauncher {

        final int ordinal;
        final int ccMajor;
        final int ccMinor;
        final int multiprocessors;
        final LaunchConfig launch;
        final String kernelOrigin;
        private final boolean syncAfterLaunch;
        private final CUctx_st context = new CUctx_st();
        private final CUmod_st module = new CUmod_st();
        private final Map<String, CUfunc_st> functions = new ConcurrentHashMap<>();

        DeviceState(int ordinal, boolean syncAfterLaunch) {
            this.ordinal = ordinal;
            this.syncAfterLaunch = syncAfterLaunch;
            int[] dev = {0};
            check(cuDeviceGet(dev, ordinal), "cuDeviceGet");
            // Retained for the life of the process, like PyTorch's own reference.
            check(cuDevicePrimaryCtxRetain(context, dev[0]), "cuDevicePrimaryCtxRetain");
            makeCurrent();
            ccMajor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev[0]);
            ccMinor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev[0]);
            multiprocessors = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev[0]);
            launch = new LaunchConfig(Math.max(1, multiprocessors));
            kernelOrigin = loadModule();
            logger.debug("ActNN CUDA kernels for device {} (sm_{}{}): {}", ordinal, ccMajor, ccMinor, kernelOrigin);
        }

        private static int attribute(int attribute, int dev) {
            int[] v = {0};
            check(cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute");
            return v[0];
        }

        @Override
        public LaunchConfig config() {
            return launch;
        }

        void makeCurrent() {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        }

        /**
         * Loads the kernels: the prebuilt PTX (driver JIT), the same PTX declaring an older ISA
         * version if the driver rejects the new one, then NVRTC (cached cubin).
         */
        private String loadModule() {
            String mode = System.getProperty(KERNELS_PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
            List<String> failures = new ArrayList<>();
            if (!mode.equals("nvrtc")) {
                Optional<String> ptx = KernelSource.prebuiltPtx();
                if (ptx.isEmpty()) {
                    failures.add("the jar has no prebuilt PTX (it was built without nvcc)");
                } else {
                    String version = KernelSource.ptxVersion(ptx.get()).orElse("?");
                    int r = loadImage(new BytePointer(ptx.get()));
                    if (r == 0) {
                        return "prebuilt PTX (ISA " + version + ", compiled by the driver)";
                    }
                    failures.add("prebuilt PTX (ISA " + version + "): " + errorText(r));
                    if (r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION || r == CUDA_ERROR_INVALID_PTX) {
                        String older = KernelSource.withPtxVersion(ptx.get(), KernelSource.FALLBACK_PTX_ISA);
                        r = loadImage(new BytePointer(older));
                        if (r == 0) {
                            return "prebuilt PTX declared as ISA " + KernelSource.FALLBACK_PTX_ISA
                                    + " (the driver predates ISA " + version + "), compiled by the driver";
                        }
                        failures.add("prebuilt PTX as ISA " + KernelSource.FALLBACK_PTX_ISA + ": " + errorText(r));
                    }
                }
            }
            if (!mode.equals("ptx")) {
                try {
                    return loadWithNvrtc();
                } catch (CudaException e) {
                    failures.add(e.getMessage());
                } catch (LinkageError e) {
                    failures.add("NVRTC unavailable (it needs libnvrtc.so.12, e.g. from"
                            + " org.bytedeco:cuda-platform-redist): " + e);
                }
            }
            throw new CudaException("kernel loading", -1, "could not load the ActNN kernels for device " + ordinal
                    + " (sm_" + ccMajor + ccMinor + ", " + KERNELS_PROPERTY + "=" + mode + "): "
                    + String.join("; ", failures));
        }

        private String loadWithNvrtc() {
            String source = KernelSource.source();
            String nvrtcVersion = NvrtcCompiler.version();
            KernelCache cache = new KernelCache(KernelCache.defaultDirectory());
            String key = KernelCache.key(source, NvrtcCompiler.OPTIONS, nvrtcVersion);
            Optional<byte[]> cached = cache.read(key, ccMajor, ccMinor);
            if (cached.isPresent() && loadImage(new BytePointer(cached.get())) == 0) {
                return "NVRTC " + nvrtcVersion + " cubin from the cache " + cache.cubinPath(key, ccMajor, ccMinor);
            }
            NvrtcCompiler.Output out = NvrtcCompiler.compile(source, ccMajor, ccMinor);
            int r = loadImage(new BytePointer(out.image));
            if (r != 0) {
                throw error("cuModuleLoadData (NVRTC " + out.target + ")", r);
            }
            if (out.cubin && cache.write(key, ccMajor, ccMinor, out.image)) {
                return "NVRTC " + nvrtcVersion + " " + out.target + " cubin, cached as "
                        + cache.cubinPath(key, ccMajor, ccMinor);
            }
            return "NVRTC " + nvrtcVersion + " " + out.target + (out.cubin ? " cubin" : " PTX");
        }

        private int loadImage(BytePointer image) {
            try (image) {
                return cuModuleLoadData(module, image);
            }
        }

        private CUfunc_st function(String name) {
            CUfunc_st f = functions.get(name);
            if (f == null) {
                CUfunc_st created = new CUfunc_st();
                check(cuModuleGetFunction(created, module, name), "cuModuleGetFunction(" + name + ")");
                f = functions.putIfAbsent(name, created);
                if (f == null) {
                    f = created;
                }
            }
            return f;
        }

        /**
         * Launches a kernel on the legacy default stream with {@link LaunchConfig#BLOCK} threads
         * per block.
         *
         * @param kernel the kernel's C name
         * @param grid blocks
         * @param args its arguments
         * @throws CudaException naming the kernel if the launch (or, with {@code actnn.cuda.sync},
         *     the kernel) fails
         */
        @Override
        public void launch(String kernel, int grid, KernelArgs args) {
            makeCurrent();
            CUfunc_st f = function(kernel);
            int r = cuLaunchKernel(f, grid, 1, 1, LaunchConfig.BLOCK, 1, 1, 0, (CUstream_st) null, args.pointers(),
                    (PointerPointer<?>) null);
            if (r != 0) {
                throw error("launch of " + kernel, r);
            }
            if (syncAfterLaunch) {
                r = cuCtxSynchronize();
                if (r != 0) {
                    throw error("kernel " + kernel + " (checked by " + SYNC_PROPERTY + ")", r);
                }
            }
        }
    }
}
