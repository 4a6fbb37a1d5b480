package ai.actnn.internal;

import ai.djl.engine.Engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's process-wide backend switches that DJL does not expose, reached through the
 * exported symbols of the libtorch that DJL loaded (the equivalent of Python's {@code
 * torch.backends.mkldnn.enabled}).
 *
 * <p>Why it exists: PyTorch 2.7.1's oneDNN picks a convolution-backward kernel whose blocking
 * heuristic divides by zero for some 1x1 strided convolutions (ResNet-50's channel pairs at small
 * spatial sizes), killing the JVM with SIGFPE on some CPUs (seen on AMD EPYC; pytorch/pytorch
 * #177227 and #142835). With oneDNN off, PyTorch runs its own im2col+GEMM convolutions instead.
 */
public final class TorchBackends {

    private static final Logger logger = LoggerFactory.getLogger(TorchBackends.class);

    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_MKLDNN = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private static final String GET_MKLDNN = "_ZNK2at7Context17userEnabledMkldnnEv";

    private static NativeLibrary torch;

    private TorchBackends() {}

    /**
     * Turns PyTorch's oneDNN (mkldnn) kernels on or off for the whole process, as {@code
     * torch.backends.mkldnn.enabled = value} does in Python.
     *
     * @param enabled whether PyTorch may use oneDNN
     * @throws IllegalStateException if the loaded libtorch does not export the switch
     */
    public static synchronized void setMkldnnEnabled(boolean enabled) {
        NativeLibrary lib = torch();
        Pointer context = lib.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
        // A non-virtual member function: `this` is the first argument in the C++ ABI.
        lib.getFunction(SET_MKLDNN).invokeVoid(new Object[] {context, enabled});
        logger.debug("PyTorch oneDNN (mkldnn) kernels {}", enabled ? "enabled" : "disabled");
    }

    /**
     * Returns whether PyTorch may use oneDNN (mkldnn) kernels.
     *
     * @return the process-wide switch
     * @throws IllegalStateException if the loaded libtorch does not export the switch
     */
    public static synchronized boolean isMkldnnEnabled() {
        NativeLibrary lib = torch();
        Pointer context = lib.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
        // C++ bool: only the low byte of the return register is defined.
        return (lib.getFunction(GET_MKLDNN).invokeInt(new Object[] {context}) & 0xff) != 0;
    }

    private static NativeLibrary torch() {
        if (torch == null) {
            // Loads DJL's natives if nothing has yet; the switch must reach that same copy.
            Engine.getEngine("PyTorch");
            torch = loadedLibtorch()
                    .map(path -> NativeLibrary.getInstance(path.toString()))
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "libtorch_cpu is not among the libraries of this process:"
                                            + " the PyTorch engine of DJL is not loaded from a"
                                            + " linux-x86_64 native jar"));
            try {
                Function check = torch.getFunction(SET_MKLDNN);
                logger.trace("PyTorch switch {} at {}", SET_MKLDNN, check);
            } catch (UnsatisfiedLinkError e) {
                torch = null;
                throw new IllegalStateException(
                        "the loaded libtorch does not export " + SET_MKLDNN, e);
            }
        }
        return torch;
    }

    /** The path of the libtorch_cpu that this process mapped (Linux: from /proc/self/maps). */
    private static Optional<Path> loadedLibtorch() {
        Path maps = Paths.get("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.filter(l -> l.endsWith("/libtorch_cpu.so") && l.indexOf('/') >= 0)
                    .map(l -> Paths.get(l.substring(l.indexOf('/'))))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
