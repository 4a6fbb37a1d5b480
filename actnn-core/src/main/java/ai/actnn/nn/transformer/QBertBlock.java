package ai.actnn.nn.transformer;

import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.AddFunction;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.SelectFunction;
import ai.actnn.nn.activation.QTanh;
import ai.actnn.nn.core.QEmbedding;
import ai.actnn.nn.core.QLinear;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.nn.norm.QDropout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;
import java.util.List;

/**
 * DJL's {@link BertBlock} re-implemented with Q-children: token and type {@link QEmbedding}s
 * (saving only the ids), the position embedding added by a recorded broadcasting sum, the
 * embedding norm and dropout, the converted encoder blocks, and the pooler (the second token,
 * as DJL selects it, through a {@link QLinear} and a {@link QTanh}). Inputs and outputs are
 * DJL's: {@code (tokenIds, typeIds, inputMask)} to {@code (sequence output, pooled output)}. The
 * attention mask is built from the input mask exactly as DJL builds it, without gradient.
 */
public final class QBertBlock extends QLayer {

    private final QEmbedding tokenEmbedding;
    private final QEmbedding typeEmbedding;
    private final Parameter positionEmbedding;
    private final QBatchNorm embeddingNorm;
    private final QDropout embeddingDropout;
    private final List<QTransformerEncoderBlock> encoders;
    private final QLinear pooling;
    private final QTanh poolingActivation;

    /**
     * Wraps a BERT block.
     *
     * @param bert the block
     * @param encoders its encoder blocks, converted, in order
     */
    public QBertBlock(BertBlock bert, List<QTransformerEncoderBlock> encoders) {
        super(bert);
        Class<?> type = BertBlock.class;
        this.tokenEmbedding = new QEmbedding(bert.getTokenEmbedding());
        this.typeEmbedding =
                new QEmbedding(BlockIntrospection.read(bert, type, "typeEmbedding", ai.djl.nn.transformer.IdEmbedding.class));
        this.positionEmbedding = BlockIntrospection.read(bert, type, "positionEmebdding", Parameter.class);
        this.embeddingNorm = new QBatchNorm(BlockIntrospection.read(bert, type, "embeddingNorm", BatchNorm.class));
        this.embeddingDropout = new QDropout(BlockIntrospection.read(bert, type, "embeddingDropout", Dropout.class));
        this.encoders = List.copyOf(encoders);
        this.pooling = new QLinear(BlockIntrospection.read(bert, type, "pooling", Linear.class));
        this.poolingActivation = new QTanh(Activation.tanhBlock());
    }

    /**
     * Returns the converted encoder blocks.
     *
     * @return the encoders, in order
     */
    public List<QTransformerEncoderBlock> getEncoders() {
        return encoders;
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException(
                    "BERT takes 3 inputs (token ids, type ids, input mask), got " + inputs.size());
        }
        NDArray tokenIds = inputs.get(0);
        NDArray typeIds = inputs.get(1);
        NDArray masks = inputs.get(2);
        NDList tokens = tokenEmbedding.forward(ps, new NDList(tokenIds), true, params);
        NDList types = typeEmbedding.forward(ps, new NDList(typeIds), true, params);
        NDArray positions = ps.getValue(positionEmbedding, tokenIds.getDevice(), true);
        NDList sum =
                new NDList(AddFunction.add(tape, tokens.singletonOrThrow(), types.singletonOrThrow(), positions));
        release(tape, tokens, sum, inputs);
        release(tape, types, sum, inputs);
        NDList normalized = embeddingNorm.forward(ps, sum, true, params);
        release(tape, sum, normalized, inputs);
        NDList last = embeddingDropout.forward(ps, normalized, true, params);
        release(tape, normalized, last, inputs);
        try (NDArray offsets = offsetMask(tokenIds, masks)) {
            for (QTransformerEncoderBlock encoder : encoders) {
                NDList out = encoder.forward(ps, new NDList(last.head(), offsets), true, params);
                release(tape, last, out, inputs);
                last = out;
            }
        }
        NDArray first = SelectFunction.selectSqueezed(tape, last.head(), ":,1,:");
        NDList pooled = pooling.forward(ps, new NDList(first), true, params);
        release(tape, new NDList(first), pooled, inputs);
        NDList activated = poolingActivation.forward(ps, pooled, true, params);
        release(tape, pooled, activated, inputs);
        return new NDList(last.head(), activated.singletonOrThrow());
    }

    /** DJL's offsets: (1 - ones(B, F, 1) x mask(B, 1, T)) * -100000, of shape (B, 1, F, T). */
    private static NDArray offsetMask(NDArray tokenIds, NDArray masks) {
        try (GradMode off = GradMode.disabled();
                NDArray attention = BertBlock.createAttentionMaskFromInputMask(tokenIds, masks)) {
            long[] s = attention.getShape().getShape();
            try (NDArray shaped = attention.reshape(s[0], 1, s[1], s[2]);
                    NDArray asFloat = shaped.toType(DataType.FLOAT32, false)) {
                NDArray offsets = asFloat.mul(-1f);
                offsets.addi(1f).muli(-100000f);
                return offsets;
            }
        }
    }

    private static void release(Tape tape, NDList consumed, NDList produced, NDList inputs) {
        Intermediates.release(tape, consumed, Arrays.asList(produced, inputs));
    }
}
