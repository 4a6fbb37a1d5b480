package ai.actnn.nn.conv;

import ai.djl.nn.convolutional.Conv2d;

/** DJL's {@link Conv2d} with a compressed saved input. */
public final class QConv2d extends QConvolution {

    /**
     * Wraps a convolution; the Q-layer shares its parameters.
     *
     * @param conv the convolution
     */
    public QConv2d(Conv2d conv) {
        super(conv, ConvolutionGeometry.of(conv));
    }
}
