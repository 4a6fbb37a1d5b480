package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** PyTorch's activation backwards (from the input or from the output) and in-place ReLU. Results are attached to the given manager. */
public final class ActivationOps {

    private ActivationOps() {}

    /**
     * Softmax backward from the softmax's output alone: {@code dx = y * (dy - sum(dy * y))}
     * along {@code axis} (PyTorch's {@code _softmax_backward_data}).
     *
     * @param grad dL/dy
     * @param y the softmax output (possibly restored from its compressed copy)
     * @param axis the softmax axis
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray softmaxBackward(NDArray grad, NDArray y, int axis, NDManager manager) {
        return TorchScriptModule.call("softmax_backward", manager, grad, y, (long) axis).singletonOrThrow();
    }

    /**
     * Exact GELU (erf form) backward at an input: PyTorch's {@code gelu_backward}.
     *
     * @param grad dL/dy
     * @param x the input
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray geluBackward(NDArray grad, NDArray x, NDManager manager) {
        return TorchScriptModule.call("gelu_backward", manager, grad, x).singletonOrThrow();
    }

    /**
     * Exact backward of swish {@code y = x * sigmoid(beta * x)} at an input, using {@code dy/dx =
     * silu'(beta * x)} (PyTorch's {@code silu_backward}).
     *
     * @param grad dL/dy
     * @param x the input
     * @param beta the swish beta (1 for SiLU)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray swishBackward(NDArray grad, NDArray x, double beta, NDManager manager) {
        return TorchScriptModule.call("silu_backward", manager, grad, x, beta).singletonOrThrow();
    }

    /**
     * Tanh backward from the output: {@code dx = dy * (1 - y^2)}.
     *
     * @param grad dL/dy
     * @param y the output (possibly restored)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray tanhBackward(NDArray grad, NDArray y, NDManager manager) {
        return TorchScriptModule.call("tanh_backward", manager, grad, y).singletonOrThrow();
    }

    /**
     * Sigmoid backward from the output: {@code dx = dy * y * (1 - y)}.
     *
     * @param grad dL/dy
     * @param y the output (possibly restored)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray sigmoidBackward(NDArray grad, NDArray y, NDManager manager) {
        return TorchScriptModule.call("sigmoid_backward", manager, grad, y).singletonOrThrow();
    }

    /**
     * Applies ReLU in place (no autograd history).
     *
     * @param x the array, overwritten
     */
    public static void reluInPlace(NDArray x) {
        try (NDManager scratch = x.getManager().newSubManager()) {
            TorchScriptModule.call("relu_inplace", scratch, x).close();
        }
    }

    /**
     * Exact ELU backward at the input ({@code y = scale * (x > 0 ? x : alpha * (exp(x *
     * inputScale) - 1))}): PyTorch's {@code elu_backward}, as autograd runs it for {@code elu} and
     * {@code selu}.
     *
     * @param grad dL/dy
     * @param x the input
     * @param alpha the negative-side coefficient (DJL's float, widened)
     * @param scale the output scale (1 for ELU, SELU's lambda for SELU)
     * @param inputScale the input scale (1 for both)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray eluBackward(
            NDArray grad, NDArray x, double alpha, double scale, double inputScale, NDManager manager) {
        return TorchScriptModule.call("elu_backward", manager, grad, x, alpha, scale, inputScale).singletonOrThrow();
    }

    /**
     * ELU backward from the negative part of the output and the sign of the input: {@code grad *
     * scale} where {@code positive} is set, else {@code grad * inputScale * (y + alpha * scale)},
     * with {@code y} clamped to {@code [-alpha * scale, 0]} (a restored value may leave that range
     * by the rounding of its metadata).
     *
     * @param grad dL/dy
     * @param y the negative part of the output, {@code min(y, 0)} (possibly restored from its
     *     compressed copy)
     * @param positive 1 where the input was positive, else 0
     * @param alpha the negative-side coefficient
     * @param scale the output scale
     * @param inputScale the input scale
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray eluBackwardFromOutput(
            NDArray grad, NDArray y, NDArray positive, double alpha, double scale, double inputScale, NDManager manager) {
        return TorchScriptModule.call("elu_backward_from_output", manager, grad, y, positive, alpha, scale, inputScale)
                .singletonOrThrow();
    }

    /**
     * Log-softmax backward from its output alone: {@code dx = dy - exp(y) * sum(dy)} along {@code
     * axis} (PyTorch's {@code _log_softmax_backward_data}).
     *
     * @param grad dL/dy
     * @param y the log-softmax output (possibly restored from its compressed copy)
     * @param axis the axis
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray logSoftmaxBackward(NDArray grad, NDArray y, int axis, NDManager manager) {
        return TorchScriptModule.call("log_softmax_backward", manager, grad, y, (long) axis).singletonOrThrow();
    }
}
