package ai.actnn.store;

import ai.actnn.config.BackendChoice;
import ai.actnn.quant.Backend;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.Device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the backend that packs the tensors of a device. The CPU backend is built in; other
 * backends (the CUDA kernels of {@code actnn-cuda}) register themselves through {@link
 * ServiceLoader} as implementations of {@link Backend}.
 *
 * <p>With {@link BackendChoice#AUTO}, a device's own backend is used when one loads; otherwise the
 * CPU backend packs a copy in host memory and one INFO line says why.
 */
public final class Backends {

    private static final Logger logger = LoggerFactory.getLogger(Backends.class);

    private static final CpuQuantizerBackend CPU = new CpuQuantizerBackend();
    private static volatile List<Backend> discovered;
    private static final Map<String, Backend> CHOSEN = new ConcurrentHashMap<>();

    private Backends() {}

    /**
     * Returns the built-in CPU backend.
     *
     * @return the CPU backend
     */
    public static Backend cpu() {
        return CPU;
    }

    /**
     * Returns the backend for tensors of a device.
     *
     * @param device the device of the tensors
     * @param choice the configured choice
     * @return a backend whose {@code supports(device)} holds (possibly one that copies through
     *     host memory)
     * @throws IllegalStateException if {@link BackendChoice#CUDA} is forced and no CUDA backend
     *     loads
     */
    public static Backend forDevice(Device device, BackendChoice choice) {
        String cacheKey = device + "/" + choice;
        Backend known = CHOSEN.get(cacheKey);
        if (known != null) {
            return known;
        }
        Backend chosen = choose(device, choice);
        CHOSEN.put(cacheKey, chosen);
        return chosen;
    }

    private static Backend choose(Device device, BackendChoice choice) {
        if (Device.Type.CPU.equals(device.getDeviceType())) {
            if (choice == BackendChoice.CUDA) {
                throw new IllegalStateException(
                        "backend CUDA was forced but the tensors are on " + device
                                + ": CUDA kernels only pack GPU tensors (use backend auto or cpu)");
            }
            return CPU;
        }
        if (choice != BackendChoice.CPU) {
            for (Backend backend : discovered()) {
                if (backend.supports(device)) {
                    logger.info("ActNN packs activations of {} with the {} backend", device, backend.name());
                    return backend;
                }
            }
            if (choice == BackendChoice.CUDA) {
                throw new IllegalStateException(
                        "backend CUDA was forced but no CUDA kernels could be loaded for "
                                + device
                                + " (is actnn-cuda on the classpath and a CUDA driver installed?)");
            }
            logger.info(
                    "ActNN packs activations of {} with the CPU backend through host memory:"
                            + " no backend for this device could be loaded (add actnn-cuda for fused"
                            + " CUDA kernels)",
                    device);
        } else {
            logger.info("ActNN packs activations of {} with the CPU backend (forced by configuration)", device);
        }
        return new HostCopyBackend(CPU, device);
    }

    private static List<Backend> discovered() {
        List<Backend> list = discovered;
        if (list == null) {
            synchronized (Backends.class) {
                list = discovered;
                if (list == null) {
                    list = new ArrayList<>();
                    for (Backend backend : ServiceLoader.load(Backend.class)) {
                        list.add(backend);
                    }
                    list = Collections.unmodifiableList(list);
                    discovered = list;
                }
            }
        }
        return list;
    }
}
