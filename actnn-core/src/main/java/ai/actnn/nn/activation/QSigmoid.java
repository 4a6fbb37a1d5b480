package ai.actnn.nn.activation;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;

/** sigmoid that saves its (compressed) output and differentiates from it (see {@link QOutputActivation}). */
public final class QSigmoid extends QOutputActivation {

    /**
     * Wraps a block computing sigmoid (DJL's {@code Activation.sigmoidBlock()} or a recognised lambda).
     *
     * @param block the block
     */
    public QSigmoid(Block block) {
        super(block, "QSigmoid");
    }

    @Override
    protected NDArray backwardFromOutput(NDArray grad, NDArray y, NDManager manager) {
        return ActivationOps.sigmoidBackward(grad, y, manager);
    }
}
