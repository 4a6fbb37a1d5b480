package ai.actnn.nn.conv;

import ai.djl.nn.convolutional.Conv1d;

/** DJL's {@link Conv1d} with a compressed saved input. */
public final class QConv1d extends QConvolution {

    /**
     * Wraps a convolution; the Q-layer shares its parameters.
     *
     * @param conv the convolution
     */
    public QConv1d(Conv1d conv) {
        super(conv, ConvolutionGeometry.of(conv));
    }
}
