package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** PyTorch's convolution kernels that DJL's Java API lacks: the backward of (transposed) convolutions, transposed forwards, weight layouts. Results are attached to the given manager. */
public final class ConvolutionOps {

    private ConvolutionOps() {}

    /**
     * Gradients of a convolution (or transposed convolution): PyTorch's {@code
     * convolution_backward}.
     *
     * @param grad dL/dy
     * @param x the convolution's input
     * @param w its weight
     * @param stride the stride
     * @param padding the padding
     * @param dilation the dilation
     * @param transposed whether the convolution is transposed
     * @param outputPadding the output padding (transposed only; zeros otherwise)
     * @param groups the groups
     * @param need which of (dx, dw, db) to compute
     * @param manager the owner of the results
     * @return dx, dw, db (an empty array where not requested)
     */
    public static NDList convolutionBackward(
            NDArray grad,
            NDArray x,
            NDArray w,
            Shape stride,
            Shape padding,
            Shape dilation,
            boolean transposed,
            Shape outputPadding,
            int groups,
            boolean[] need,
            NDManager manager) {
        long outChannels = transposed ? w.getShape().get(1) * groups : w.getShape().get(0);
        return TorchScriptModule.call(
                "conv_backward",
                manager,
                grad,
                x,
                w,
                new long[] {outChannels},
                stride.getShape(),
                padding.getShape(),
                dilation.getShape(),
                transposed,
                outputPadding.getShape(),
                (long) groups,
                need);
    }

    /**
     * A (transposed) convolution forward: PyTorch's {@code convolution}. DJL's PyTorch engine
     * does not implement transposed convolutions; this does, with autograd when grad mode is on.
     *
     * @param x the input
     * @param w the weight
     * @param b the bias, or null
     * @param stride the stride
     * @param padding the padding
     * @param dilation the dilation
     * @param transposed whether transposed
     * @param outputPadding the output padding (transposed only)
     * @param groups the groups
     * @param manager the owner of the result
     * @return y
     */
    public static NDArray convolution(
            NDArray x,
            NDArray w,
            NDArray b,
            Shape stride,
            Shape padding,
            Shape dilation,
            boolean transposed,
            Shape outputPadding,
            int groups,
            NDManager manager) {
        NDArray bias = b;
        NDArray placeholder = null;
        if (bias == null) {
            placeholder = x.getManager().create(new float[0]);
            bias = placeholder;
        }
        try {
            return TorchScriptModule.call(
                            "convolution",
                            manager,
                            x,
                            w,
                            bias,
                            b != null,
                            stride.getShape(),
                            padding.getShape(),
                            dilation.getShape(),
                            transposed,
                            outputPadding.getShape(),
                            (long) groups)
                    .singletonOrThrow();
        } finally {
            if (placeholder != null) {
                placeholder.close();
            }
        }
    }

    /**
     * Converts a transposed-convolution weight from DJL's layout {@code [out, in / groups, k...]}
     * to PyTorch's {@code [in, out / groups, k...]} (autograd flows through the view when on), or
     * back with {@code toTorch} false.
     *
     * @param weight the weight in the source layout
     * @param groups the groups
     * @param toTorch the direction
     * @param manager the owner of the result
     * @return the weight in the other layout
     */
    public static NDArray deconvolutionWeight(NDArray weight, int groups, boolean toTorch, NDManager manager) {
        return TorchScriptModule.call(
                        toTorch ? "deconv_weight_to_torch" : "deconv_weight_from_torch",
                        manager,
                        weight,
                        (long) groups)
                .singletonOrThrow();
    }
}
