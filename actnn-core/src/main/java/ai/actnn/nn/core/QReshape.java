package ai.actnn.nn.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/** A reshape (DJL's {@code Blocks.batchFlattenBlock()}): saves only the input's shape. */
public final class QReshape extends QShapeOnlyLayer {

    /**
     * Wraps a reshaping block.
     *
     * @param reshape the block
     */
    public QReshape(Block reshape) {
        super(reshape);
    }

    @Override
    protected NDArray backward(NDArray grad, Shape inputShape, NDManager manager) {
        return grad.reshape(inputShape);
    }
}
