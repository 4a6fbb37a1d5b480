package ai.actnn.nn.conv;

import ai.djl.nn.convolutional.Conv3d;

/** DJL's {@link Conv3d} with a compressed saved input. */
public final class QConv3d extends QConvolution {

    /**
     * Wraps a convolution; the Q-layer shares its parameters.
     *
     * @param conv the convolution
     */
    public QConv3d(Conv3d conv) {
        super(conv, ConvolutionGeometry.of(conv));
    }
}
