package ai.actnn.cuda;

import ai.djl.Device;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the ActNN CUDA kernels can run on a device, and why not. The first question about a GPU
 * loads the CUDA driver API (JNI), retains the device's primary context and loads the kernels;
 * the answer, success or failure, is remembered for the life of the process. Nothing here throws
 * on machines without a GPU or without CUDA libraries: linkage errors become a reason string.
 */
public final class CudaSupport {

    private static final Map<Integer, Object> PROBES = new ConcurrentHashMap<>();

    private CudaSupport() {}

    /**
     * Returns whether the kernels run on a device.
     *
     * @param device the device
     * @return true for a GPU whose driver, context and kernels loaded
     */
    public static boolean isAvailable(Device device) {
        return unavailableReason(device).isEmpty();
    }

    /**
     * Returns why the kernels cannot run on a device.
     *
     * @param device the device
     * @return empty when they can, else a one-line reason (no GPU device, missing libraries,
     *     driver error, kernel loading failure, incompatible DJL)
     */
    public static Optional<String> unavailableReason(Device device) {
        if (device == null || !device.isGpu()) {
            return Optional.of(device + " is not a GPU device");
        }
        Object probe = probe(device.getDeviceId());
        return probe instanceof String ? Optional.of((String) probe) : Optional.empty();
    }

    /**
     * Returns a one-line description of the device and how its kernels were loaded, or the reason
     * they were not.
     *
     * @param device the device
     * @return the description
     */
    public static String describe(Device device) {
        Optional<String> reason = unavailableReason(device);
        if (reason.isPresent()) {
            return "ActNN CUDA kernels unavailable on " + device + ": " + reason.get();
        }
        CudaDriver.DeviceState d = (CudaDriver.DeviceState) probe(device.getDeviceId());
        int v = CudaDriver.get().driverVersion();
        return "ActNN CUDA kernels on " + device + ": sm_" + d.ccMajor + d.ccMinor + ", " + d.multiprocessors
                + " multiprocessors, driver supports CUDA " + v / 1000 + "." + (v % 1000) / 10 + ", kernels: "
                + d.kernelOrigin;
    }

    /**
     * Returns the loaded device.
     *
     * @param device a GPU device
     * @return its state
     * @throws IllegalStateException with the reason when the kernels are unavailable
     */
    static CudaDriver.DeviceState state(Device device) {
        Optional<String> reason = unavailableReason(device);
        if (reason.isPresent()) {
            throw new IllegalStateException("ActNN CUDA kernels unavailable on " + device + ": " + reason.get());
        }
        return (CudaDriver.DeviceState) probe(device.getDeviceId());
    }

    /**
     * Returns the kernel launchers of a device.
     *
     * @param device a GPU device
     * @return the launchers
     * @throws IllegalStateException with the reason when the kernels are unavailable
     */
    static CudaKernels kernels(Device device) {
        return new CudaKernels(state(device));
    }

    private static Object probe(int ordinal) {
        return PROBES.computeIfAbsent(ordinal, CudaSupport::load);
    }

    private static Object load(int ordinal) {
        try {
            PtArrays.checkAvailable();
            return CudaDriver.get().device(ordinal);
        } catch (RuntimeException | LinkageError e) {
            // LinkageError: UnsatisfiedLinkError / NoClassDefFoundError when the JNI libraries or
            // the CUDA libraries they need are missing. Never let them escape to the caller.
            String m = e.getMessage();
            return m == null || m.isBlank() ? e.toString() : m;
        }
    }
}
