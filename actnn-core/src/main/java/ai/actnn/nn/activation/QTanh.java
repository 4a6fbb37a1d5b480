package ai.actnn.nn.activation;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;

/** tanh that saves its (compressed) output and differentiates from it (see {@link QOutputActivation}). */
public final class QTanh extends QOutputActivation {

    /**
     * Wraps a block computing tanh (DJL's {@code Activation.tanhBlock()} or a recognised lambda).
     *
     * @param block the block
     */
    public QTanh(Block block) {
        super(block, "QTanh");
    }

    @Override
    protected NDArray backwardFromOutput(NDArray grad, NDArray y, NDManager manager) {
        return ActivationOps.tanhBackward(grad, y, manager);
    }
}
