package ai.actnn.nn.transformer;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.BackwardChunks;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.SampleChunking;
import ai.actnn.nn.core.QLinear;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * DJL's {@link ScaledDotProductAttentionBlock} with every saved tensor compressed: the four
 * projections are {@link QLinear}s (the key, query and value projections of self-attention share
 * one compressed copy of their common input), and the attention itself saves Q, K, V and the
 * softmax output compressed plus a 1-bit dropout mask (see {@link AttentionCore}). Inputs are as
 * DJL's: {@code (x)}, {@code (x, mask)}, {@code (key, query, value)} or {@code (key, query,
 * value, mask)}; the mask is a constant (a 0/1 token mask of {@code B*T*F} elements or 4-D score
 * offsets).
 */
public final class QAttention extends QLayer {

    private final long embeddingSize;
    private final long headCount;
    private final float dropoutRate;
    private final QLinear key;
    private final QLinear query;
    private final QLinear value;
    private final QLinear result;
    private final AttentionCore.Sites sites = new AttentionCore.Sites();

    /**
     * Wraps an attention block; the Q-layer shares its parameters and parameter stream.
     *
     * @param block the attention block
     */
    public QAttention(ScaledDotProductAttentionBlock block) {
        super(block);
        Class<?> type = ScaledDotProductAttentionBlock.class;
        this.embeddingSize = BlockIntrospection.read(block, type, "embeddingSize", Integer.class);
        this.headCount = BlockIntrospection.read(block, type, "headCount", Integer.class);
        Dropout dropout = BlockIntrospection.read(block, type, "attentionProbsDropout", Dropout.class);
        this.dropoutRate = BlockIntrospection.read(dropout, Dropout.class, "rate", Float.class);
        this.key = new QLinear(block.getKeyProjection());
        this.query = new QLinear(block.getQueryProjection());
        this.value = new QLinear(block.getValueProjection());
        this.result = new QLinear(block.getResultProjection());
    }

    /**
     * Returns the dropout rate of the attention probabilities.
     *
     * @return the rate
     */
    public float getDropoutRate() {
        return dropoutRate;
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        int n = inputs.size();
        if (n < 1 || n > 4) {
            throw new IllegalArgumentException(
                    "attention takes 1 to 4 inputs ((x), (x, mask), (key, query, value) or (key, query,"
                            + " value, mask)), got " + n);
        }
        NDArray keyIn = inputs.get(0);
        NDArray queryIn = n < 3 ? keyIn : inputs.get(1);
        NDArray valueIn = n < 3 ? keyIn : inputs.get(2);
        NDArray mask = n == 2 || n == 4 ? inputs.get(n - 1) : null;
        long batch = keyIn.getShape().get(0);
        // DJL names the key length F ("from") and the query length T ("to").
        long from = keyIn.getShape().get(1);
        long to = queryIn.getShape().get(1);
        NDArray offsets =
                mask == null
                        ? null
                        : AttentionMask.offsets(mask, new Shape(batch, headCount, to, from), keyIn.getDataType());
        // Samples do not interact: a large batch runs a chunk at a time, so that its scores and
        // probabilities (N x T x F per sample) exist for one chunk only, in forward and backward.
        BackwardChunks chunks =
                BackwardChunks.ofSamples((int) batch, headCount * to * from * keyIn.getDataType().getNumOfBytes());
        NDList data = new NDList();
        int[] slots = new int[3];
        NDArray[] kqv = {keyIn, queryIn, valueIn};
        for (int i = 0; i < 3; i++) {
            slots[i] = indexOfSame(data, kqv[i]);
            if (slots[i] < 0) {
                data.add(kqv[i]);
                slots[i] = data.size() - 1;
            }
        }
        try {
            return SampleChunking.forward(tape, data, chunks, (chunk, first, end) -> {
                NDArray part = chunks.split() ? rows(offsets, batch, first, end) : offsets;
                try {
                    return attend(tape, ps, chunk.get(slots[0]), chunk.get(slots[1]), chunk.get(slots[2]), part, params);
                } finally {
                    if (part != offsets) {
                        part.close();
                    }
                }
            });
        } finally {
            if (offsets != null) {
                offsets.close();
            }
        }
    }

    /** The attention of a whole batch or of a chunk of samples. */
    private NDList attend(
            Tape tape, ParameterStore ps, NDArray keyIn, NDArray queryIn, NDArray valueIn, NDArray offsets,
            PairList<String, Object> params) {
        long batch = keyIn.getShape().get(0);
        long from = keyIn.getShape().get(1);
        long to = queryIn.getShape().get(1);
        AttentionCore.Dims dims = new AttentionCore.Dims(batch, headCount, embeddingSize / headCount, to, from);
        NDList inputs = new NDList(keyIn, queryIn, valueIn);
        NDList k = key.forward(ps, new NDList(keyIn), true, params);
        NDList q = query.forward(ps, new NDList(queryIn), true, params);
        NDList v = value.forward(ps, new NDList(valueIn), true, params);
        NDArray merged =
                AttentionCore.forward(
                        tape, q.singletonOrThrow(), k.singletonOrThrow(), v.singletonOrThrow(), offsets, dims, dropoutRate, sites);
        NDList core = new NDList(merged);
        for (NDList consumed : Arrays.asList(k, q, v)) {
            Intermediates.release(tape, consumed, Arrays.asList(core, inputs));
        }
        NDList out = result.forward(ps, core, true, params);
        Intermediates.release(tape, core, Arrays.asList(out, inputs));
        return out;
    }

    /** The offsets of samples {@code [from, to)}: a new array, or the same offsets when broadcast. */
    private static NDArray rows(NDArray offsets, long batch, int from, int to) {
        if (offsets == null || offsets.getShape().get(0) != batch || batch == 1) {
            return offsets;
        }
        return offsets.get(new NDIndex(from + ":" + to));
    }

    private static int indexOfSame(NDList list, NDArray array) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == array) {
                return i;
            }
        }
        return -1;
    }
}
