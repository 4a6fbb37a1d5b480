package ai.actnn.nn.activation;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;

/**
 * Softmax along one axis that saves its (compressed) output and differentiates from it: {@code
 * dx = y * (dy - sum(dy * y))} (see {@link QOutputActivation}).
 */
public final class QSoftmax extends QOutputActivation {

    private final int axis;

    /**
     * Wraps a block computing a softmax.
     *
     * @param block the block
     * @param axis the softmax axis (negative counts from the end)
     */
    public QSoftmax(Block block, int axis) {
        super(block, "QSoftmax");
        this.axis = axis;
    }

    /**
     * Returns the softmax axis.
     *
     * @return the axis
     */
    public int getAxis() {
        return axis;
    }

    @Override
    protected NDArray backwardFromOutput(NDArray grad, NDArray y, NDManager manager) {
        return ActivationOps.softmaxBackward(grad, y, axis, manager);
    }
}
