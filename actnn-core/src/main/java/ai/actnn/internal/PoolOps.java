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
     * Backward of average pooling over the last two axes: PyTorch's {@code avg_pool2d_backward}.
     *
     * @param grad dL/dy
     * @param inputShape the input's shape
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray avgPool2dBackward(
            NDArray grad,
            Shape inputShape,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return TorchScriptModule.call(
                        "avg_pool2d_backward",
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
     * Average pooling over the last two axes: PyTorch's {@code avg_pool2d}.
     *
     * @param x the input
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return y
     */
    public static NDArray avgPool2d(
            NDArray x,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return TorchScriptModule.call(
                        "avg_pool2d",
                        manager,
                        x,
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape(),
                        ceilMode,
                        countIncludePad)
                .singletonOrThrow();
    }
}
