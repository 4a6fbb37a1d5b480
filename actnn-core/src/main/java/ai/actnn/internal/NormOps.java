package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** PyTorch's batch and layer normalisation kernels, forward with statistics and backward from them. Results are attached to the given manager. */
public final class NormOps {

    private NormOps() {}

    /**
     * Batch normalisation forward in training mode: PyTorch's {@code native_batch_norm}. Updates
     * the running statistics in place with PyTorch's momentum convention (new = (1 - m) * old + m
     * * batch), exactly as DJL's BatchNorm does through {@code torch::batch_norm}.
     *
     * @param x the input, channels on axis 1
     * @param gamma the scale
     * @param beta the shift
     * @param runningMean the running mean, updated in place
     * @param runningVar the running variance, updated in place
     * @param momentum PyTorch's momentum (1 - DJL's momentum)
     * @param eps the epsilon
     * @param manager the owner of the results
     * @return y, the batch mean and the batch inverse standard deviation (per channel)
     */
    public static NDList batchNormForward(
            NDArray x,
            NDArray gamma,
            NDArray beta,
            NDArray runningMean,
            NDArray runningVar,
            double momentum,
            double eps,
            NDManager manager) {
        return TorchScriptModule.call(
                "batch_norm_forward",
                manager,
                x,
                gamma,
                beta,
                runningMean,
                runningVar,
                momentum,
                eps);
    }

    /**
     * The statistics pass of {@link #batchNormForward} (running statistics updated the same way)
     * whose first result holds the standardised input {@code x̂ = (x - mean) * invstd} in the
     * output's buffer instead of the output: with {@link #batchNormOutput} after x̂ is packed and
     * freed, a forward holds one full-size array besides its input at a time instead of two.
     *
     * @param x the input, channels on axis 1
     * @param gamma the scale
     * @param beta the shift
     * @param runningMean the running mean, updated in place
     * @param runningVar the running variance, updated in place
     * @param momentum PyTorch's momentum (1 - DJL's momentum)
     * @param eps the epsilon
     * @param manager the owner of the results
     * @return x̂, the batch mean and the batch inverse standard deviation (per channel)
     */
    public static NDList batchNormStandardize(
            NDArray x,
            NDArray gamma,
            NDArray beta,
            NDArray runningMean,
            NDArray runningVar,
            double momentum,
            double eps,
            NDManager manager) {
        return TorchScriptModule.call(
                "batch_norm_standardize", manager, x, gamma, beta, runningMean, runningVar, momentum, eps);
    }

    /**
     * The output of batch normalisation in training mode, bit for bit {@link #batchNormForward}'s,
     * without touching the running statistics (PyTorch's {@code native_batch_norm} again, with
     * none).
     *
     * @param x the input, channels on axis 1
     * @param gamma the scale
     * @param beta the shift
     * @param eps the epsilon
     * @param manager the owner of the result
     * @return y
     */
    public static NDArray batchNormOutput(NDArray x, NDArray gamma, NDArray beta, double eps, NDManager manager) {
        return TorchScriptModule.call("batch_norm_output", manager, x, gamma, beta, eps).singletonOrThrow();
    }

    /**
     * Batch normalisation backward in training mode: PyTorch's {@code
     * native_batch_norm_backward}.
     *
     * @param grad dL/dy
     * @param x the (restored) input
     * @param gamma the scale
     * @param saveMean the batch mean saved by the forward
     * @param saveInvstd the batch inverse standard deviation saved by the forward
     * @param eps the epsilon
     * @param need which of (dx, dgamma, dbeta) to compute
     * @param manager the owner of the results
     * @return dx, dgamma, dbeta (an empty array where not requested)
     */
    public static NDList batchNormBackward(
            NDArray grad,
            NDArray x,
            NDArray gamma,
            NDArray saveMean,
            NDArray saveInvstd,
            double eps,
            boolean[] need,
            NDManager manager) {
        return TorchScriptModule.call(
                "batch_norm_backward",
                manager,
                grad,
                x,
                gamma,
                saveMean,
                saveInvstd,
                eps,
                need);
    }

    /**
     * The reduction half of batch normalisation's backward over one chunk of samples: per
     * channel (axis 1), {@code sum(dy)} and {@code sum(dy * (x - mean))} in one pass of PyTorch's
     * batch-norm backward kernel, and optionally {@code sum(x)}. Summed over the chunks of a
     * batch they give what {@link #batchNormBackwardElementwise} needs.
     *
     * @param grad dL/dy of the chunk
     * @param x the chunk's input
     * @param mean the batch mean
     * @param withInputSum whether to return {@code sum(x)} too
     * @param manager the owner of the results
     * @return the per-channel sums: {@code sum(dy)}, {@code sum(dy * (x - mean))}, and {@code
     *     sum(x)} (an empty array unless asked for)
     */
    public static NDList batchNormBackwardReduce(
            NDArray grad, NDArray x, NDArray mean, boolean withInputSum, NDManager manager) {
        return TorchScriptModule.call("bn_backward_reduce", manager, grad, x, mean, withInputSum);
    }

    /**
     * The element-wise half of batch normalisation's backward over one chunk of samples,
     * written into {@code dst} (a chunk of the whole input gradient, so that no copy follows):
     * {@code dx = gamma * invstd * (dy - sum_dy / n - (x - mean) * invstd^2 * sum_dy_xmu / n)},
     * computed as {@code w * dy + a * x + b} with per-channel {@code w, a, b} (two passes, no
     * temporary of the chunk's size).
     *
     * @param dst the destination, of the chunk's shape (a view into the whole gradient)
     * @param grad dL/dy of the chunk
     * @param x the chunk's input
     * @param mean the batch mean
     * @param invstd the batch inverse standard deviation
     * @param gamma the scale
     * @param sumDy {@code sum(dy)} over the whole batch, per channel
     * @param sumDyXmu {@code sum(dy * (x - mean))} over the whole batch, per channel
     * @param count the elements per channel in the whole batch
     * @param manager the owner of the returned handle
     * @return a new handle on {@code dst}
     */
    public static NDArray batchNormBackwardElementwise(
            NDArray dst,
            NDArray grad,
            NDArray x,
            NDArray mean,
            NDArray invstd,
            NDArray gamma,
            NDArray sumDy,
            NDArray sumDyXmu,
            double count,
            NDManager manager) {
        return TorchScriptModule.call(
                        "bn_backward_elemt_into", manager, dst, grad, x, mean, invstd, gamma, sumDy, sumDyXmu, count)
                .singletonOrThrow();
    }

    /**
     * Layer normalisation over the trailing {@code normalizedShape} axes: PyTorch's {@code
     * native_layer_norm}, which also returns the statistics its backward needs.
     *
     * @param x the input
     * @param normalizedShape the normalised trailing shape
     * @param gamma the scale, of shape {@code normalizedShape}
     * @param beta the shift, of shape {@code normalizedShape}
     * @param eps the epsilon
     * @param manager the owner of the results
     * @return y, the mean and the reciprocal standard deviation (leading shape, trailing ones)
     */
    public static NDList layerNormForward(
            NDArray x, Shape normalizedShape, NDArray gamma, NDArray beta, double eps, NDManager manager) {
        return TorchScriptModule.call("layer_norm_forward", manager, x, normalizedShape.getShape(), gamma, beta, eps);
    }

    /**
     * Layer normalisation backward: PyTorch's {@code native_layer_norm_backward}.
     *
     * @param grad dL/dy
     * @param x the (restored) input
     * @param normalizedShape the normalised trailing shape
     * @param mean the mean saved by the forward
     * @param rstd the reciprocal standard deviation saved by the forward
     * @param gamma the scale
     * @param beta the shift
     * @param need which of (dx, dgamma, dbeta) to compute
     * @param manager the owner of the results
     * @return dx, dgamma, dbeta (an empty array where not requested)
     */
    public static NDList layerNormBackward(
            NDArray grad,
            NDArray x,
            Shape normalizedShape,
            NDArray mean,
            NDArray rstd,
            NDArray gamma,
            NDArray beta,
            boolean[] need,
            NDManager manager) {
        return TorchScriptModule.call(
                "layer_norm_backward",
                manager,
                grad,
                x,
                normalizedShape.getShape(),
                mean,
                rstd,
                gamma,
                beta,
                need);
    }
}
