package ai.actnn.nn.transformer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.TensorOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.transformer.BertMaskedLanguageModelBlock;

/**
 * The rows of a sequence batch at given positions, as DJL's masked language model gathers them
 * ({@link BertMaskedLanguageModelBlock#gatherFromIndices}): inputs {@code (sequences (B, S, E),
 * indices (B, I))}, output {@code (B * I, E)}. It keeps only the absolute row numbers (exact
 * integers, {@code B * I} of them); the backward adds each row's gradient back at its position
 * (PyTorch's {@code embedding_dense_backward}, summing repeated positions).
 */
final class GatherRowsFunction implements QFunction {

    private Shape sequenceShape;

    @Override
    public String name() {
        return "QGatherRows";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray sequences = inputs.get(0);
        NDArray indices = inputs.get(1);
        if (sequences.getShape().dimension() != 3 || indices.getShape().dimension() != 2) {
            throw new IllegalArgumentException(
                    "gathering masked positions expects sequences (B, S, E) and indices (B, I), got "
                            + sequences.getShape() + " and " + indices.getShape());
        }
        sequenceShape = sequences.getShape();
        long batch = sequenceShape.get(0);
        long length = sequenceShape.get(1);
        try (NDArray positions = indices.getManager().arange(0L, batch, 1L, DataType.INT64);
                NDArray starts = positions.mul(length);
                NDArray offsets = starts.reshape(batch, 1);
                NDArray wide = indices.toType(DataType.INT64, true);
                NDArray sum = wide.add(offsets);
                NDArray absolute = sum.reshape(-1)) {
            ctx.saveExact(absolute);
        }
        return new NDList(BertMaskedLanguageModelBlock.gatherFromIndices(sequences, indices));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray dx = null;
        if (ctx.needsInputGradient(0)) {
            try (NDArray absolute = ctx.restore(0);
                    NDArray rows = TensorOps.embeddingBackward(
                            gradOutputs.singletonOrThrow(), absolute, sequenceShape.get(0) * sequenceShape.get(1), ctx.getManager())) {
                dx = rows.reshape(sequenceShape);
            }
        }
        return new NDList(dx, null);
    }
}
