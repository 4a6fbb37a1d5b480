package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** PyTorch's pooling kernels: max pooling with the argmax offset inside each window, average pooling, and their backwards. Results are attached to the given manager. */
public final class PoolOps {

    private PoolOps() {}

    /**
     * Max pooling over the last two axes that also returns, per output element, the position of
     * the maximum inside its window ({@code kh * kernelWidth + kw}) as one unsigned byte.
     *
     * @param x the input, [..., H, W]
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param manager the owner of the results
     * @return y and the UINT8 offsets
     */
    public static NDList maxPool2dWithOffsets(
            NDArray x, Shape kernel, Shape stride, Shape padding, boolean ceilMode, NDManager manager) {
        return TorchScriptModule.call(
                "max_pool2d_offsets",
                manager,
                x,
                kernel.getShape(),
                stride.getShape(),
                padding.getShape(),
                ceilMode);
    }

    /**
     * Backward of {@link #maxPool2dWithOffsets}: routes each output gradient to the input
     * position its offset names.
     *
     * @param grad dL/dy
     * @param offsets the offsets saved by the forward
     * @param height the input height
     * @param width the input width
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray maxPool2dBackward(
            NDArray grad,
            NDArray offsets,
            long height,
            long width,
            Shape kernel,
            Shape stride,
            Shape padding,
            NDManager manager) {
        return TorchScriptModule.call(
                        "max_pool2d_offsets_backward",
                        manager,
                        grad,
                        offsets,
                        height,
                        width,
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape())
                .singletonOrThrow();
    }

    /**
     * Max pooling over the last axis (1-D) or the last three axes (3-D) that also returns, per
     * output element, the position of the maximum inside its window (row-major in the window) as
     * one unsigned byte: PyTorch's {@code max_pool1d_with_indices} / {@code
     * max_pool3d_with_indices}, whose maxima are those of DJL's {@code maxPool}.
     *
     * @param x the input, {@code [N, C, L]} or {@code [N, C, D, H, W]}
     * @param kernel the window (1 or 3 axes, at most 255 positions)
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param manager the owner of the results
     * @return y and the UINT8 offsets
     * @throws IllegalArgumentException for a window of other than 1, 2 or 3 axes
     */
    public static NDList maxPoolWithOffsets(
            NDArray x, Shape kernel, Shape stride, Shape padding, boolean ceilMode, NDManager manager) {
        return TorchScriptModule.call(
                maxPoolMethod(kernel), manager, x, kernel.getShape(), stride.getShape(), padding.getShape(), ceilMode);
    }

    /**
     * Backward of {@link #maxPoolWithOffsets}: routes each output gradient to the input position
     * its offset names (summing where windows overlap on the same maximum).
     *
     * @param grad dL/dy
     * @param offsets the offsets saved by the forward
     * @param inputShape the input's shape
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray maxPoolBackward(
            NDArray grad, NDArray offsets, Shape inputShape, Shape kernel, Shape stride, Shape padding, NDManager manager) {
        int d = inputShape.dimension();
        Object[] spatial = kernel.dimension() == 1
                ? new Object[] {inputShape.get(d - 1)}
                : new Object[] {inputShape.get(d - 3), inputShape.get(d - 2), inputShape.get(d - 1)};
        Object[] args = new Object[2 + spatial.length + 3];
        args[0] = grad;
        args[1] = offsets;
        System.arraycopy(spatial, 0, args, 2, spatial.length);
        args[2 + spatial.length] = kernel.getShape();
        args[3 + spatial.length] = stride.getShape();
        args[4 + spatial.length] = padding.getShape();
        return TorchScriptModule.call(maxPoolMethod(kernel) + "_backward", manager, args).singletonOrThrow();
    }

    private static String maxPoolMethod(Shape kernel) {
        switch (kernel.dimension()) {
            case 1:
                return "max_pool1d_offsets";
            case 3:
                return "max_pool3d_offsets";
            default:
                throw new IllegalArgumentException(
                        "max pooling window " + kernel + " has " + kernel.dimension()
                                + " axes: allowed here are 1 or 3 (2-D pooling has its own kernels)");
        }
    }

    /**
     * Global max pooling over every axis after the first two, as DJL's {@code globalMaxPool}
     * computes it (PyTorch's adaptive max pooling to size 1, reshaped to {@code [N, C]}), with the
     * position of each maximum in its channel as an INT32 index.
     *
     * @param x the input, {@code [N, C, ...]} with 1 to 3 spatial axes
     * @param manager the owner of the results
     * @return y of shape {@code [N, C]} and the INT32 indices of the same shape
     */
    public static NDList globalMaxPool(NDArray x, NDManager manager) {
        return TorchScriptModule.call("global_max_pool", manager, x);
    }

    /**
     * Backward of {@link #globalMaxPool}: each channel's gradient goes to the position of its
     * maximum, zero elsewhere.
     *
     * @param grad dL/dy, {@code [N, C]}
     * @param indices the indices saved by the forward
     * @param inputShape the input's shape
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray globalMaxPoolBackward(NDArray grad, NDArray indices, Shape inputShape, NDManager manager) {
        return TorchScriptModule.call("global_max_pool_backward", manager, grad, indices, inputShape.getShape())
                .singletonOrThrow();
    }

    /**
     * Backward of average pooling over the last one, two or three axes (PyTorch's {@code
     * avg_pool2d_backward}, on the unsqueezed gradient for one axis as PyTorch runs 1-D average
     * pooling, or {@code avg_pool3d_backward}).
     *
     * @param grad dL/dy
     * @param inputShape the input's shape
     * @param kernel the window (1, 2 or 3 axes)
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return dx
     * @throws IllegalArgumentException for a window of other than 1, 2 or 3 axes
     */
    public static NDArray avgPoolBackward(
            NDArray grad,
            Shape inputShape,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return TorchScriptModule.call(
                        averagePoolingKernel(kernel) + "_backward",
                        manager,
                        grad,
                        inputShape.getShape(),
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape(),
                        ceilMode,
                        countIncludePad)
                .singletonOrThrow();
    }

    /**
     * Average pooling over the last one, two or three axes, honouring {@code countIncludePad}
     * (PyTorch's {@code avg_pool1d/2d/3d}; DJL's PyTorch engine ignores that flag and always
     * includes the padding).
     *
     * @param x the input
     * @param kernel the window (1, 2 or 3 axes)
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return y
     * @throws IllegalArgumentException for a window of other than 1, 2 or 3 axes
     */
    public static NDArray avgPool(
            NDArray x,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return TorchScriptModule.call(
                        averagePoolingKernel(kernel),
                        manager,
                        x,
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape(),
                        ceilMode,
                        countIncludePad)
                .singletonOrThrow();
    }

    private static String averagePoolingKernel(Shape kernel) {
        int axes = kernel.dimension();
        if (axes < 1 || axes > 3) {
            throw new IllegalArgumentException(
                    "average pooling window " + kernel + " has " + axes + " axes: allowed are 1, 2 or 3");
        }
        return "avg_pool" + axes + "d";
    }
}
