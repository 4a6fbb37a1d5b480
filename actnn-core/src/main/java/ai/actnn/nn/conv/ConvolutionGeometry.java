package ai.actnn.nn.conv;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.policy.ConvolutionWindow;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.convolutional.Deconvolution;

import java.util.Arrays;

/**
 * The geometry of a (transposed) convolution: what its backward needs besides the tensors.
 *
 * @param kernel the kernel shape
 * @param stride the stride
 * @param padding the padding
 * @param dilation the dilation
 * @param outputPadding the output padding (zeros for a plain convolution)
 * @param groups the groups
 * @param transposed whether the convolution is transposed
 */
record ConvolutionGeometry(
        Shape kernel,
        Shape stride,
        Shape padding,
        Shape dilation,
        Shape outputPadding,
        int groups,
        boolean transposed) {

    static ConvolutionGeometry of(Convolution conv) {
        Shape kernel = conv.getKernelShape();
        long[] zeros = new long[kernel.dimension()];
        return new ConvolutionGeometry(
                kernel,
                conv.getStride(),
                conv.getPadding(),
                conv.getDilation(),
                new Shape(zeros),
                conv.getGroups(),
                false);
    }

    static ConvolutionGeometry of(Deconvolution deconv) {
        return new ConvolutionGeometry(
                BlockIntrospection.read(deconv, Deconvolution.class, "kernelShape", Shape.class),
                BlockIntrospection.read(deconv, Deconvolution.class, "stride", Shape.class),
                BlockIntrospection.read(deconv, Deconvolution.class, "padding", Shape.class),
                BlockIntrospection.read(deconv, Deconvolution.class, "dilation", Shape.class),
                BlockIntrospection.read(deconv, Deconvolution.class, "outPadding", Shape.class),
                BlockIntrospection.read(deconv, Deconvolution.class, "groups", Integer.class),
                true);
    }

    /**
     * Returns the geometry as the bit policies see it: what the auto level's error bound sums over.
     *
     * @return the window
     */
    ConvolutionWindow window() {
        return new ConvolutionWindow(
                kernel.getShape(), stride.getShape(), padding.getShape(), dilation.getShape(), groups, transposed);
    }

    /**
     * Returns the elements per sample of the column buffer (im2col) that PyTorch's CPU
     * convolution builds for the whole batch before its matrix product: input channels per group
     * times kernel positions times output positions. Zero where its kernel needs none (1x1, stride
     * 1, no padding) or builds one sample's at a time (transposed or dilated convolutions).
     *
     * @param input the input shape (samples, channels, spatial axes)
     * @return the buffer's elements per sample
     */
    long columnsPerSample(Shape input) {
        int axes = kernel.dimension();
        if (transposed || input.dimension() != axes + 2) {
            return 0;
        }
        boolean pointwise = true;
        long elements = input.get(1) / Math.max(1, groups);
        for (int d = 0; d < axes; d++) {
            long k = kernel.get(d);
            long s = stride.get(d);
            long p = padding.get(d);
            if (dilation.get(d) != 1) {
                return 0;
            }
            pointwise &= k == 1 && s == 1 && p == 0;
            long out = (input.get(2 + d) + 2 * p - k) / s + 1;
            elements *= k * Math.max(0, out);
        }
        return pointwise ? 0 : elements;
    }

    String describe() {
        return Arrays.toString(kernel.getShape())
                + (transposed ? " transposed" : "")
                + ", stride "
                + Arrays.toString(stride.getShape());
    }
}
