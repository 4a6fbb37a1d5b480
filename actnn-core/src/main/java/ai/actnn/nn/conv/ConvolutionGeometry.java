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

    String describe() {
        return Arrays.toString(kernel.getShape())
                + (transposed ? " transposed" : "")
                + ", stride "
                + Arrays.toString(stride.getShape());
    }
}
