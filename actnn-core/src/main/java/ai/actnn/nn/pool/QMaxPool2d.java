package ai.actnn.nn.pool;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Max pooling over two axes (DJL's {@code Pool.maxPool2dBlock(...)}) that saves, per output
 * element, one byte: the position of the maximum inside its window. Exact, and 8x (fp32) smaller
 * than the int64 indices PyTorch keeps for an output a quarter of the input's size.
 */
public final class QMaxPool2d extends QLayer {

    /** Windows of more positions than one byte can name are not supported. */
    public static final int MAX_WINDOW = 255;

    private final PoolGeometry geometry;

    /**
     * Wraps a max pooling block.
     *
     * @param pool the block
     * @param geometry its window, stride, padding and ceil mode
     * @throws IllegalArgumentException if the window has more than 255 positions
     */
    public QMaxPool2d(Block pool, PoolGeometry geometry) {
        super(pool);
        if (geometry.kernel().size() > MAX_WINDOW) {
            throw new IllegalArgumentException(
                    "max pooling window "
                            + geometry.kernel()
                            + " has "
                            + geometry.kernel().size()
                            + " positions: allowed are at most "
                            + MAX_WINDOW);
        }
        this.geometry = geometry;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new MaxPool2dFunction(geometry), inputs);
    }
}
