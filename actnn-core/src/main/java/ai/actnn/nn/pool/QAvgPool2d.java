package ai.actnn.nn.pool;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.PoolOps;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.ShapeFunction;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Average pooling over two axes (DJL's {@code Pool.avgPool2dBlock(...)}): real average pooling
 * (ActNN's runs max pooling by mistake), saving only the input's shape.
 */
public final class QAvgPool2d extends QLayer {

    private final PoolGeometry geometry;

    /**
     * Wraps an average pooling block.
     *
     * @param pool the block
     * @param geometry its window, stride, padding and modes
     */
    public QAvgPool2d(Block pool, PoolGeometry geometry) {
        super(pool);
        this.geometry = geometry;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        ShapeFunction f = new ShapeFunction(
                displayName(),
                x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow(),
                (grad, shape, manager) -> PoolOps.avgPool2dBackward(
                        grad,
                        shape,
                        geometry.kernel(),
                        geometry.stride(),
                        geometry.padding(),
                        geometry.ceilMode(),
                        geometry.countIncludePad(),
                        manager));
        return tape.apply(f, inputs);
    }
}
