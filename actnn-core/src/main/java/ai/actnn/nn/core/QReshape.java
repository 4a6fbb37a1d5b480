package ai.actnn.nn.core;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.ShapeFunction;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A reshape (DJL's {@code Blocks.batchFlattenBlock()}): saves only the input's shape. */
public final class QReshape extends QLayer {

    /**
     * Wraps a reshaping block.
     *
     * @param reshape the block
     */
    public QReshape(Block reshape) {
        super(reshape);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        ShapeFunction f = new ShapeFunction(
                displayName(),
                x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow(),
                (grad, shape, manager) -> grad.reshape(shape));
        return tape.apply(f, inputs);
    }
}
