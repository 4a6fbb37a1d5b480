package ai.actnn.quant;

import ai.djl.ndarray.types.Shape;

/**
 * Parameters of a 2-D max pooling with PyTorch's semantics and dilation 1: kernel, stride,
 * zero-based padding (padding never wins: windows are clipped to the input) and ceil mode. What a
 * {@link PoolCodec} pools by, and what the argmax offsets it keeps are relative to.
 *
 * @param kernelH kernel height (&gt;= 1)
 * @param kernelW kernel width (&gt;= 1); {@code kernelH * kernelW <= 255}, so that the argmax
 *     offset inside a window fits in one byte
 * @param strideH vertical stride (&gt;= 1)
 * @param strideW horizontal stride (&gt;= 1)
 * @param padH padding above and below ({@code 0 <= padH <= kernelH / 2}, PyTorch's rule)
 * @param padW padding left and right ({@code 0 <= padW <= kernelW / 2})
 * @param ceilMode whether output sizes round up (PyTorch's {@code ceil_mode})
 */
public record MaxPool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
        boolean ceilMode) {

    /** Largest window: the argmax offset is one byte. */
    public static final int MAX_WINDOW = 255;

    /**
     * Validates the parameters.
     *
     * @param kernelH kernel height
     * @param kernelW kernel width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param padH vertical padding
     * @param padW horizontal padding
     * @param ceilMode ceil mode
     * @throws IllegalArgumentException naming the bad parameter and the allowed values
     */
    public MaxPool2dSpec {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("max-pool kernel must be >= 1, got " + kernelH + "x" + kernelW);
        }
        if ((long) kernelH * kernelW > MAX_WINDOW) {
            throw new IllegalArgumentException("max-pool window " + kernelH + "x" + kernelW + " has "
                    + ((long) kernelH * kernelW) + " positions; at most " + MAX_WINDOW
                    + " are supported (the argmax offset is stored in one byte)");
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("max-pool stride must be >= 1, got " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException("max-pool padding " + padH + "x" + padW
                    + " must be between 0 and half the kernel (" + kernelH / 2 + "x" + kernelW / 2 + ")");
        }
    }

    /**
     * Creates a square pooling.
     *
     * @param kernel kernel size
     * @param stride stride
     * @param padding padding
     * @param ceilMode ceil mode
     * @return the spec
     */
    public static MaxPool2dSpec of(int kernel, int stride, int padding, boolean ceilMode) {
        return new MaxPool2dSpec(kernel, kernel, stride, stride, padding, padding, ceilMode);
    }

    /**
     * Returns the number of windows along one axis (PyTorch's {@code pooling_output_shape} with
     * dilation 1): {@code floor or ceil((in + 2 * pad - kernel) / stride) + 1}, minus one in ceil
     * mode when the last window would start in the right padding.
     *
     * @param in input size
     * @param kernel kernel size
     * @param stride stride
     * @param pad padding
     * @param ceilMode ceil mode
     * @return the output size (may be below 1 for inputs smaller than the window)
     */
    public static long outputSize(long in, int kernel, int stride, int pad, boolean ceilMode) {
        long num = in + 2L * pad - kernel + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(num, stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) {
            out--;
        }
        return out;
    }

    /**
     * Returns the output shape for an input of shape {@code [N, C, H, W]} or {@code [C, H, W]}.
     *
     * @param input the input shape
     * @return the output shape, of the same rank
     * @throws IllegalArgumentException for another rank or an input smaller than one window
     */
    public Shape outputShape(Shape input) {
        int rank = input.dimension();
        if (rank != 3 && rank != 4) {
            throw new IllegalArgumentException("max pooling 2d needs a [N, C, H, W] or [C, H, W] input, got "
                    + input);
        }
        long h = input.get(rank - 2);
        long w = input.get(rank - 1);
        long oh = outputSize(h, kernelH, strideH, padH, ceilMode);
        long ow = outputSize(w, kernelW, strideW, padW, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("max-pool output would be " + oh + "x" + ow + " for input " + input
                    + " and " + this);
        }
        long[] dims = input.getShape().clone();
        dims[rank - 2] = oh;
        dims[rank - 1] = ow;
        return new Shape(dims);
    }
}
