package ai.actnn.nn.activation;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ReLU that saves one bit per element ({@code x > 0}) instead of its output: exact at every
 * level, 32x smaller than what autograd keeps ({@link ReluFunction}).
 */
public final class QReLU extends QLayer {

    /**
     * Wraps a ReLU block (DJL's {@code Activation.reluBlock()} or any block computing ReLU).
     *
     * @param relu the block
     */
    public QReLU(Block relu) {
        super(relu);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new ReluFunction(), inputs);
    }
}
