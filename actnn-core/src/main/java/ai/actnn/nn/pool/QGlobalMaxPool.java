package ai.actnn.nn.pool;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.PoolOps;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Global max pooling (DJL's {@code Pool.globalMaxPool{1,2,3}dBlock()}, output {@code [N, C]})
 * that saves, per channel of each sample, the 32-bit position of its maximum: exact at every
 * level, one index per channel instead of the whole input.
 */
public final class QGlobalMaxPool extends QLayer {

    /**
     * Wraps a global max pooling block.
     *
     * @param pool the block
     */
    public QGlobalMaxPool(Block pool) {
        super(pool);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new Function(), inputs);
    }

    /** The op: DJL's maximum per channel, and the index of where it was. */
    private static final class Function implements QFunction {

        private Shape inputShape;

        @Override
        public String name() {
            return "QGlobalMaxPool";
        }

        @Override
        public NDList forward(ForwardContext ctx, NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            int rank = x.getShape().dimension();
            if (rank < 3 || rank > 5) {
                throw new IllegalArgumentException(
                        "global max pooling expects [N, C] and 1 to 3 spatial axes, got " + x.getShape());
            }
            inputShape = x.getShape();
            NDList r = PoolOps.globalMaxPool(x, x.getManager());
            try (NDArray indices = r.get(1)) {
                ctx.saveExact(indices);
            }
            return new NDList(r.get(0));
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            try (NDArray indices = ctx.restore(0)) {
                return new NDList(PoolOps.globalMaxPoolBackward(
                        gradOutputs.singletonOrThrow(), indices, inputShape, ctx.getManager()));
            }
        }
    }
}
