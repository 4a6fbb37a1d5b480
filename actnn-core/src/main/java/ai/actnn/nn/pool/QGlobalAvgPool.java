package ai.actnn.nn.pool;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.ShapeFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Global average pooling (DJL's {@code Pool.globalAvgPool{1,2,3}dBlock()}, output {@code [N,
 * C]}): saves only the input's shape; the gradient spreads evenly over each channel.
 */
public final class QGlobalAvgPool extends QLayer {

    /**
     * Wraps a global average pooling block.
     *
     * @param pool the block
     */
    public QGlobalAvgPool(Block pool) {
        super(pool);
    }

    /** The gradient of a global average: dL/dy spread evenly over each channel's positions. */
    private static NDArray spread(NDArray grad, Shape inputShape, NDManager manager) {
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

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new ShapeFunction(
                displayName(), x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow(), QGlobalAvgPool::spread), inputs);
    }
}
