package ai.actnn.nn.transformer;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.AddFunction;
import ai.actnn.nn.BackwardChunks;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.SampleChunking;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.nn.norm.QDropout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * DJL's {@link TransformerEncoderBlock} re-implemented with Q-children and recorded residual
 * sums, so that every tensor its backward needs is compressed:
 *
 * <pre>
 *   a = dropout(attention(x, mask));  n = norm1(a + x);
 *   f = dropout(feedForward(n));      y = norm2(f + x)
 * </pre>
 *
 * (both residuals add the block's input, as DJL's block does; its norms are batch norms over the
 * embedding axis). Intermediates are freed as soon as they are consumed. The block shares the
 * original's parameters and writes exactly its parameter stream; inference, and training without
 * an ActNN collector, run the original block.
 */
public final class QTransformerEncoderBlock extends QLayer {

    private final QAttention attention;
    private final QDropout attentionDropout;
    private final QBatchNorm attentionNorm;
    private final Block feedForward;
    private final QDropout feedForwardDropout;
    private final QBatchNorm outputNorm;
    private volatile Widest widest;

    /**
     * Wraps an encoder block.
     *
     * @param block the encoder block
     * @param attention its attention block, converted
     * @param feedForward its point-wise feed-forward block, converted (a Q-container or Q-layer)
     */
    public QTransformerEncoderBlock(TransformerEncoderBlock block, QAttention attention, Block feedForward) {
        super(block);
        Class<?> type = TransformerEncoderBlock.class;
        this.attention = attention;
        this.attentionDropout =
                new QDropout(BlockIntrospection.read(block, type, "selfAttentionDropout", Dropout.class));
        this.attentionNorm = new QBatchNorm(BlockIntrospection.read(block, type, "attentionNorm", BatchNorm.class));
        this.feedForward = feedForward;
        this.feedForwardDropout =
                new QDropout(BlockIntrospection.read(block, type, "fullyConnectedDropout", Dropout.class));
        this.outputNorm = new QBatchNorm(BlockIntrospection.read(block, type, "outputNorm", BatchNorm.class));
    }

    /**
     * Returns the converted attention block.
     *
     * @return the attention
     */
    public QAttention getAttention() {
        return attention;
    }

    /**
     * Returns the converted feed-forward block.
     *
     * @return the feed-forward block
     */
    public Block getFeedForward() {
        return feedForward;
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList a = attention.forward(ps, inputs, true, params);
        NDList ad = next(tape, a, attentionDropout.forward(ps, a, true, params), inputs);
        NDList r1 = next(tape, ad, new NDList(AddFunction.add(tape, ad.singletonOrThrow(), x)), inputs);
        NDList n1 = next(tape, r1, attentionNorm.forward(ps, r1, true, params), inputs);
        NDList f = next(tape, n1, feedForward(tape, ps, n1, params), inputs);
        NDList fd = next(tape, f, feedForwardDropout.forward(ps, f, true, params), inputs);
        NDList r2 = next(tape, fd, new NDList(AddFunction.add(tape, fd.singletonOrThrow(), x)), inputs);
        return next(tape, r2, outputNorm.forward(ps, r2, true, params), inputs);
    }

    /**
     * The point-wise feed-forward block, a chunk of samples at a time when its widest layer (the
     * hidden layer, 4x the embedding in BERT) would exceed the chunk target for the whole batch.
     */
    private NDList feedForward(Tape tape, ParameterStore ps, NDList in, PairList<String, Object> params) {
        NDArray x = in.singletonOrThrow();
        Shape shape = x.getShape();
        Widest known = widest;
        if (known == null || !known.input.equals(shape.slice(1))) {
            known = new Widest(shape.slice(1), SampleChunking.widestPerSample(feedForward, shape));
            widest = known;
        }
        BackwardChunks chunks = BackwardChunks.ofSamples(
                (int) shape.get(0), known.elements * x.getDataType().getNumOfBytes());
        return SampleChunking.forward(tape, in, chunks, (chunk, from, to) -> feedForward.forward(ps, chunk, true, params));
    }

    /** The widest per-sample array of the feed-forward block for a per-sample input shape. */
    private record Widest(Shape input, long elements) {}

    /** Frees what a recorded child consumed (unless it is passed on) and returns its output. */
    private static NDList next(Tape tape, NDList consumed, NDList produced, NDList inputs) {
        Intermediates.release(tape, consumed, Arrays.asList(produced, inputs));
        return produced;
    }
}
