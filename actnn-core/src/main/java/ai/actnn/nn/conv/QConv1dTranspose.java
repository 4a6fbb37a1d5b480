package ai.actnn.nn.conv;

import ai.djl.nn.convolutional.Conv1dTranspose;

/**
 * DJL's {@link Conv1dTranspose} with a compressed saved input. Also makes the block usable on
 * DJL's PyTorch engine, which lacks transposed convolutions.
 */
public final class QConv1dTranspose extends QDeconvolution {

    /**
     * Wraps a transposed convolution; the Q-layer shares its parameters.
     *
     * @param conv the transposed convolution
     */
    public QConv1dTranspose(Conv1dTranspose conv) {
        super(conv);
    }
}
