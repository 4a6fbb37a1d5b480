package ai.actnn.nn.pool;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.quant.MaxPool2dSpec;
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
    public static final int MAX_WINDOW = MaxPool2dSpec.MAX_WINDOW;

    private final MaxPool2dSpec spec;

    /**
     * Wraps a max pooling block.
     *
     * @param pool the block
     * @param geometry its window, stride, padding and ceil mode (two values each)
     * @throws IllegalArgumentException if the window has more than 255 positions or the geometry
     *     is not one PyTorch's {@code max_pool2d} accepts
     */
    public QMaxPool2d(Block pool, PoolGeometry geometry) {
        super(pool);
        this.spec = spec(geometry);
    }

    private static MaxPool2dSpec spec(PoolGeometry g) {
        if (g.kernel().dimension() != 2 || g.stride().dimension() != 2 || g.padding().dimension() != 2) {
            throw new IllegalArgumentException(
                    "max pooling 2d needs two values of kernel, stride and padding, got " + g);
        }
        return new MaxPool2dSpec(
                Math.toIntExact(g.kernel().get(0)),
                Math.toIntExact(g.kernel().get(1)),
                Math.toIntExact(g.stride().get(0)),
                Math.toIntExact(g.stride().get(1)),
                Math.toIntExact(g.padding().get(0)),
                Math.toIntExact(g.padding().get(1)),
                g.ceilMode());
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new MaxPool2dFunction(spec), inputs);
    }
}
