package ai.actnn.nn.transformer;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.activation.QLogSoftmax;
import ai.actnn.nn.core.LinearFunction;
import ai.actnn.nn.core.QLinear;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.transformer.BertMaskedLanguageModelBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * DJL's {@link BertMaskedLanguageModelBlock} with every saved tensor compressed. Inputs as DJL's:
 * {@code (sequence (B, S, E), maskedIndices (B, I), embeddingTable (D, E))}; output the log
 * probabilities {@code (B * I, D)}:
 *
 * <pre>
 *   g = rows of the sequence at the masked positions        (keeps the B * I positions)
 *   h = norm(activation(projection(g)))                       (Q-layers)
 *   y = logSoftmax(h embeddingTable^T + dictionaryBias)       (h compressed; y compressed)
 * </pre>
 *
 * The product with the embedding table is a linear layer whose weight is the table (a parameter
 * of the BERT block, or the caller's input), so its gradient reaches the table where autograd or
 * the token embedding's own backward adds theirs.
 */
public final class QBertMaskedLanguageModelBlock extends QLayer {

    private final QLinear projection;
    private final Block activation;
    private final QBatchNorm norm;
    private final Parameter dictionaryBias;
    private final QLogSoftmax logSoftmax;

    /**
     * Wraps a masked language model block; the Q-layer shares its parameters.
     *
     * @param block the block
     * @param activation its hidden activation, converted (a Q-layer, or the generic wrapper)
     */
    public QBertMaskedLanguageModelBlock(BertMaskedLanguageModelBlock block, Block activation) {
        super(block);
        Class<?> type = BertMaskedLanguageModelBlock.class;
        this.projection = new QLinear(BlockIntrospection.read(block, type, "sequenceProjection", Linear.class));
        this.norm = new QBatchNorm(BlockIntrospection.read(block, type, "sequenceNorm", BatchNorm.class));
        this.dictionaryBias = BlockIntrospection.read(block, type, "dictionaryBias", Parameter.class);
        this.activation = activation;
        this.logSoftmax = new QLogSoftmax(LambdaBlock.singleton(x -> x.logSoftmax(1), "logSoftmax"), 1);
        this.site = new ActivationSite("QBertMaskedLanguageModel.logits", ActivationSite.Kind.LINEAR, 1);
    }

    /**
     * Returns the hidden activation's Q-layer.
     *
     * @return the converted activation
     */
    public Block getActivation() {
        return activation;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException(
                    "the masked language model takes 3 inputs (sequence, masked indices, embedding table), got "
                            + inputs.size());
        }
        NDArray table = inputs.get(2);
        NDList gathered = tape.apply(new GatherRowsFunction(), new NDList(inputs.get(0), inputs.get(1)));
        NDList projected = next(tape, gathered, projection.forward(ps, gathered, true, params), inputs);
        NDList activated = next(tape, projected, activation.forward(ps, projected, true, params), inputs);
        NDList normalized = next(tape, activated, norm.forward(ps, activated, true, params), inputs);
        NDArray bias = ps.getValue(dictionaryBias, table.getDevice(), true);
        NDList logits = next(tape, normalized, tape.apply(new LinearFunction(site), normalized, new NDList(table, bias)), inputs);
        return next(tape, logits, logSoftmax.forward(ps, logits, true, params), inputs);
    }

    private static NDList next(Tape tape, NDList consumed, NDList produced, NDList inputs) {
        Intermediates.release(tape, consumed, Arrays.asList(produced, inputs));
        return produced;
    }
}
