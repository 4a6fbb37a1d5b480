package ai.actnn.nn.conv;

import ai.djl.nn.convolutional.Conv2dTranspose;

/**
 * DJL's {@link Conv2dTranspose} with a compressed saved input. Also makes the block usable on
 * DJL's PyTorch engine, which lacks transposed convolutions.
 */
public final class QConv2dTranspose extends QDeconvolution {

    /**
     * Wraps a transposed convolution; the Q-layer shares its parameters.
     *
     * @param conv the transposed convolution
     */
    public QConv2dTranspose(Conv2dTranspose conv) {
        super(conv);
    }
}
