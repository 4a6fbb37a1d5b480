package ai.actnn.nn.pool;

import ai.actnn.nn.core.QShapeOnlyLayer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * Global average pooling (DJL's {@code Pool.globalAvgPool{1,2,3}dBlock()}, output {@code [N,
 * C]}): saves only the input's shape; the gradient spreads evenly over each channel.
 */
public final class QGlobalAvgPool extends QShapeOnlyLayer {

    /**
     * Wraps a global average pooling block.
     *
     * @param pool the block
     */
    public QGlobalAvgPool(Block pool) {
        super(pool);
    }

    @Override
    protected NDArray backward(NDArray grad, Shape inputShape, NDManager manager) {
        long[] keep = new long[inputShape.dimension()];
        keep[0] = inputShape.get(0);
        keep[1] = inputShape.get(1);
        for (int i = 2; i < keep.length; i++) {
            keep[i] = 1;
        }
        long spatial = inputShape.slice(2).size();
        try (NDArray g = grad.reshape(new Shape(keep));
                NDArray scaled = g.div(spatial);
                NDArray spread = scaled.broadcast(inputShape)) {
            return spread.duplicate();
        }
    }
}
