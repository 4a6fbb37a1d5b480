package ai.actnn.nn.activation;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.Clipping;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block that clips its input to a range (DJL's {@code Activation.relu6Block()}, a lambda
 * computing {@code x.clip(0, 6)}, hard tanh): exact at every level with one or two bits per
 * element ({@link Clipping}).
 */
public final class QClip extends QLayer {

    private final Clipping clipping;

    /**
     * Wraps a clipping block.
     *
     * @param block the block
     * @param clipping the range it clips to, and its gradient at each end
     */
    public QClip(Block block, Clipping clipping) {
        super(block);
        this.clipping = clipping;
    }

    /**
     * Returns the clipping.
     *
     * @return the range and its gradient at the ends
     */
    public Clipping getClipping() {
        return clipping;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new ClipFunction(clipping), inputs);
    }

    @Override
    public String displayName() {
        return "QClip" + clipping;
    }
}
