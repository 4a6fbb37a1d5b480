package ai.actnn.nn.transformer;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.BertPretrainingBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * DJL's {@link BertPretrainingBlock} with its three children converted: the {@link QBertBlock},
 * the {@link QBertNextSentenceBlock} on the pooled output and the {@link
 * QBertMaskedLanguageModelBlock} on the sequence output and the token embedding table. Inputs and
 * outputs are DJL's: {@code (tokenIds, typeIds, sequenceMasks, maskedIndices)} to {@code
 * (next-sentence log probabilities, masked-token log probabilities)}.
 */
public final class QBertPretrainingBlock extends QLayer {

    private final BertBlock bertBlock;
    private final QBertBlock bert;
    private final QBertNextSentenceBlock nextSentence;
    private final QBertMaskedLanguageModelBlock maskedLanguageModel;

    /**
     * Wraps a pretraining block; the Q-layer shares its parameters.
     *
     * @param block the block
     * @param bertBlock its BERT block (whose token embedding table the language model reads)
     * @param bert the BERT block, converted
     * @param nextSentence the next-sentence block, converted
     * @param maskedLanguageModel the masked language model, converted
     */
    public QBertPretrainingBlock(
            BertPretrainingBlock block,
            BertBlock bertBlock,
            QBertBlock bert,
            QBertNextSentenceBlock nextSentence,
            QBertMaskedLanguageModelBlock maskedLanguageModel) {
        super(block);
        this.bertBlock = bertBlock;
        this.bert = bert;
        this.nextSentence = nextSentence;
        this.maskedLanguageModel = maskedLanguageModel;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        if (inputs.size() != 4) {
            throw new IllegalArgumentException(
                    "BERT pretraining takes 4 inputs (token ids, type ids, sequence masks, masked indices), got "
                            + inputs.size());
        }
        NDList bertResult = bert.forward(ps, new NDList(inputs.get(0), inputs.get(1), inputs.get(2)), true, params);
        NDArray sequence = bertResult.get(0);
        NDArray pooled = bertResult.get(1);
        NDList nextSentenceOut = nextSentence.forward(ps, new NDList(pooled), true, params);
        Intermediates.release(tape, new NDList(pooled), Arrays.asList(nextSentenceOut, inputs));
        NDArray table = bertBlock.getTokenEmbedding().getValue(ps, sequence.getDevice(), true);
        NDList logProbs = maskedLanguageModel.forward(ps, new NDList(sequence, inputs.get(3), table), true, params);
        Intermediates.release(tape, new NDList(sequence), Arrays.asList(logProbs, nextSentenceOut, inputs));
        return new NDList(nextSentenceOut.singletonOrThrow(), logProbs.singletonOrThrow());
    }
}
