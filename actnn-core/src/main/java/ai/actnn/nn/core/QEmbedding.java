package ai.actnn.nn.core;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A table lookup (DJL's dense {@link Embedding} or {@link IdEmbedding}) that saves only its
 * integer indices (exactly: they are tiny next to the looked-up rows) and computes the table's
 * dense gradient with PyTorch's {@code embedding_dense_backward}. Indices get no gradient.
 */
public final class QEmbedding extends QLayer {

    /**
     * Wraps a dense embedding; the Q-layer shares its table.
     *
     * @param embedding the embedding (sparse formats are not supported: the converter leaves
     *     them to {@link QGeneric})
     */
    public QEmbedding(Embedding<?> embedding) {
        super(embedding);
    }

    /**
     * Wraps DJL's transformer id embedding; the Q-layer shares its table.
     *
     * @param embedding the embedding
     */
    public QEmbedding(IdEmbedding embedding) {
        super(embedding);
    }

    /**
     * Wraps any block whose only parameter {@code embedding} is a table looked up by its input.
     *
     * @param block the block
     * @return the Q-layer
     */
    static QEmbedding of(Block block) {
        if (block instanceof IdEmbedding) {
            return new QEmbedding((IdEmbedding) block);
        }
        if (block instanceof Embedding) {
            return new QEmbedding((Embedding<?>) block);
        }
        throw new IllegalArgumentException(
                block.getClass().getName() + " is not an embedding: allowed are Embedding and IdEmbedding");
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray table = ps.getValue(original.getDirectParameters().get("embedding"), inputs.head().getDevice(), true);
        return tape.apply(
                new EmbeddingFunction(in -> original.forward(ps, in, true, params)), inputs, new NDList(table));
    }
}
