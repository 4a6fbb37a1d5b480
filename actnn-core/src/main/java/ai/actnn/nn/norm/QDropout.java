package ai.actnn.nn.norm;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDList;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link Dropout} that keeps its keep mask as one bit per element and applies the same
 * mask in forward and backward (at rate 0 it keeps nothing). The mask comes from the
 * counter-based generator of the packed format, so it is reproducible from the seed and
 * identical on every backend.
 */
public final class QDropout extends QLayer {

    private final float rate;

    /**
     * Wraps a dropout block.
     *
     * @param dropout the block
     */
    public QDropout(Dropout dropout) {
        super(dropout);
        this.rate = BlockIntrospection.read(dropout, Dropout.class, "rate", Float.class);
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(
                    "dropout rate " + rate + " is invalid: allowed is a probability in [0, 1]");
        }
    }

    /**
     * Returns the drop probability.
     *
     * @return the rate
     */
    public float getRate() {
        return rate;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new DropoutFunction(rate), inputs);
    }
}
