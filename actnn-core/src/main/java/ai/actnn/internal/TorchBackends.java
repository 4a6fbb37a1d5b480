package ai.actnn.internal;

import com.sun.jna.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's process-wide backend switches that DJL does not expose (the equivalent of Python's
 * {@code torch.backends.mkldnn.enabled}).
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

    private TorchBackends() {}

    /**
     * Turns PyTorch's oneDNN (mkldnn) kernels on or off for the whole process.
     *
     * @param enabled whether PyTorch may use oneDNN
     * @throws IllegalStateException if the loaded libtorch does not export the switch
     */
    public static synchronized void setMkldnnEnabled(boolean enabled) {
        // A non-virtual member function: `this` is the first argument in the C++ ABI.
        LibTorch.function(SET_MKLDNN).invokeVoid(new Object[] {context(), enabled});
        logger.debug("PyTorch oneDNN (mkldnn) kernels {}", enabled ? "enabled" : "disabled");
    }

    /**
     * Returns whether PyTorch may use oneDNN (mkldnn) kernels.
     *
     * @return the process-wide switch
     * @throws IllegalStateException if the loaded libtorch does not export the switch
     */
    public static synchronized boolean isMkldnnEnabled() {
        // C++ bool: only the low byte of the return register is defined.
        return (LibTorch.function(GET_MKLDNN).invokeInt(new Object[] {context()}) & 0xff) != 0;
    }

    private static Pointer context() {
        return LibTorch.function(GLOBAL_CONTEXT).invokePointer(new Object[0]);
    }
}
