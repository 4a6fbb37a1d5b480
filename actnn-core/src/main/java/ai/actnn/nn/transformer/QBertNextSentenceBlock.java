package ai.actnn.nn.transformer;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.activation.QLogSoftmax;
import ai.actnn.nn.core.QLinear;
import ai.djl.ndarray.NDList;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.BertNextSentenceBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * DJL's {@link BertNextSentenceBlock} (a binary classifier of the pooled output, then a
 * log-softmax) with Q-children: a {@link QLinear} and a {@link QLogSoftmax}.
 */
public final class QBertNextSentenceBlock extends QLayer {

    private final QLinear classifier;
    private final QLogSoftmax logSoftmax;

    /**
     * Wraps a next-sentence block; the Q-layer shares its parameters.
     *
     * @param block the block
     */
    public QBertNextSentenceBlock(BertNextSentenceBlock block) {
        super(block);
        this.classifier =
                new QLinear(BlockIntrospection.read(block, BertNextSentenceBlock.class, "binaryClassifier", Linear.class));
        this.logSoftmax = new QLogSoftmax(LambdaBlock.singleton(x -> x.logSoftmax(1), "logSoftmax"), 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDList logits = classifier.forward(ps, inputs, true, params);
        NDList out = logSoftmax.forward(ps, logits, true, params);
        Intermediates.release(tape, logits, Arrays.asList(out, inputs));
        return out;
    }
}
