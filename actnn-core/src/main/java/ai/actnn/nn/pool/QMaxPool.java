package ai.actnn.nn.pool;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Max pooling over one or three axes (DJL's {@code Pool.maxPool1dBlock(...)}, {@code
 * Pool.maxPool3dBlock(...)}) that saves, per output element, one byte: the position of the
 * maximum inside its window. Exact at every level. Two-axis pooling is {@link QMaxPool2d}.
 */
public final class QMaxPool extends QLayer {

    /** Windows of more positions than one byte can name are not supported. */
    public static final int MAX_WINDOW = 255;

    private final PoolGeometry geometry;

    /**
     * Wraps a max pooling block.
     *
     * @param pool the block
     * @param geometry its window (1 or 3 axes), stride, padding and ceil mode
     * @throws IllegalArgumentException if the window has other than 1 or 3 axes or more than 255
     *     positions
     */
    public QMaxPool(Block pool, PoolGeometry geometry) {
        super(pool);
        int axes = geometry.kernel().dimension();
        if (axes != 1 && axes != 3) {
            throw new IllegalArgumentException(
                    "QMaxPool pools 1 or 3 axes, got a window of " + axes + " (" + geometry
                            + "): use QMaxPool2d for two axes");
        }
        if (geometry.kernel().size() > MAX_WINDOW) {
            throw new IllegalArgumentException(
                    "max pooling window " + geometry + " has " + geometry.kernel().size()
                            + " positions: allowed are at most " + MAX_WINDOW);
        }
        this.geometry = geometry;
    }

    /**
     * Returns the pooling geometry.
     *
     * @return the window, stride, padding and ceil mode
     */
    public PoolGeometry getGeometry() {
        return geometry;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new MaxPoolFunction(displayName(), geometry), inputs);
    }

    @Override
    public String displayName() {
        return "QMaxPool" + geometry.kernel().dimension() + "d";
    }
}
