package ai.actnn.nn.pool;

import ai.actnn.nn.core.QShapeOnlyLayer;

import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * Average pooling over two axes (DJL's {@code Pool.avgPool2dBlock(...)}): real average pooling
 * (ActNN's runs max pooling by mistake), saving only the input's shape.
 */
public final class QAvgPool2d extends QShapeOnlyLayer {

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
    protected NDArray backward(NDArray grad, Shape inputShape, NDManager manager) {
        return NativeOps.avgPool2dBackward(
                grad,
                inputShape,
                geometry.kernel(),
                geometry.stride(),
                geometry.padding(),
                geometry.ceilMode(),
                geometry.countIncludePad(),
                manager);
    }
}
