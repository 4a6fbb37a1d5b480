package ai.actnn.nn.pool;

import ai.actnn.nn.QLayer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
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
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() < 3) {
            throw new IllegalArgumentException(
                    "QMaxPool2d expects [N, C, H, W] or [C, H, W] input, got " + x.getShape());
        }
        Shape shape = x.getShape();
        NDList r;
        try (GradMode off = GradMode.disabled()) {
            r =
                    NativeOps.maxPool2dWithOffsets(
                            x,
                            geometry.kernel(),
                            geometry.stride(),
                            geometry.padding(),
                            geometry.ceilMode(),
                            x.getManager());
        }
        NDArray offsets = r.get(1);
        offsets.attach(tape.getManager());
        NDList out = new NDList(r.get(0));
        tape.record(
                new CompressedOp() {
                    @Override
                    public String name() {
                        return "QMaxPool2d";
                    }

                    @Override
                    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
                        if (!ctx.needsInputGradient(0)) {
                            return new NDList((NDArray) null);
                        }
                        int d = shape.dimension();
                        return new NDList(
                                NativeOps.maxPool2dBackward(
                                        gradOutputs.singletonOrThrow(),
                                        offsets,
                                        shape.get(d - 2),
                                        shape.get(d - 1),
                                        geometry.kernel(),
                                        geometry.stride(),
                                        geometry.padding(),
                                        ctx.getManager()));
                    }

                    @Override
                    public void close() {
                        offsets.close();
                    }
                },
                inputs,
                out);
        return out;
    }
}
