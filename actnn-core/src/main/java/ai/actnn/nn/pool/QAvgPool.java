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
 * Average pooling over one, two or three axes (DJL's {@code Pool.avgPool1dBlock(...)}, {@code
 * avgPool2dBlock(...)}, {@code avgPool3dBlock(...)}): real average pooling (ActNN's 2-D layer runs
 * max pooling by mistake), saving only the input's shape, exact at every level.
 */
public final class QAvgPool extends QLayer {

    private final PoolGeometry geometry;

    /**
     * Wraps an average pooling block.
     *
     * @param pool the block
     * @param geometry its window (1 to 3 axes), stride, padding and modes
     * @throws IllegalArgumentException if the window has other than 1, 2 or 3 axes
     */
    public QAvgPool(Block pool, PoolGeometry geometry) {
        super(pool);
        int axes = geometry.kernel().dimension();
        if (axes < 1 || axes > 3) {
            throw new IllegalArgumentException(
                    "QAvgPool pools 1, 2 or 3 axes, got a window of " + axes + " (" + geometry + ")");
        }
        this.geometry = geometry;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        ShapeFunction f = new ShapeFunction(
                displayName(),
                x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow(),
                (grad, shape, manager) -> PoolOps.avgPoolBackward(
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

    /** Returns {@code QAvgPool1d}, {@code QAvgPool2d} or {@code QAvgPool3d}, by the pooled axes. */
    @Override
    public String displayName() {
        return "QAvgPool" + geometry.kernel().dimension() + "d";
    }
}
