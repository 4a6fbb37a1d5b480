package ai.actnn.nn.core;

import ai.actnn.nn.QLayer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
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
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray indices = inputs.head();
        Parameter table = original.getDirectParameters().get("embedding");
        NDArray weight = ps.getValue(table, indices.getDevice(), true);
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = original.forward(ps, inputs, true, params);
        }
        SavedActivation saved = weight.hasGradient() ? tape.store().saveExact(indices) : null;
        tape.record(new Op(saved, weight), inputs, out);
        return out;
    }

    /** The recorded backward of one call. */
    private static final class Op implements CompressedOp {
        private final SavedActivation indices;
        private final NDArray weight;

        Op(SavedActivation indices, NDArray weight) {
            this.indices = indices;
            this.weight = weight;
        }

        @Override
        public String name() {
            return "QEmbedding";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (indices != null) {
                NDArray grad = gradOutputs.singletonOrThrow();
                long rows = weight.getShape().get(0);
                try (NDArray idx = indices.restore(ctx.getManager());
                        NDArray dw = NativeOps.embeddingBackward(grad, idx, rows, ctx.getManager())) {
                    ctx.accumulateParameterGradient(weight, dw);
                }
            }
            return new NDList((NDArray) null);
        }

        @Override
        public void close() {
            if (indices != null) {
                indices.close();
            }
        }
    }
}
