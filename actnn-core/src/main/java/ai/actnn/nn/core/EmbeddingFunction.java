package ai.actnn.nn.core;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.TensorOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.util.function.UnaryOperator;

/**
 * A table lookup that saves only its integer indices (exactly: they are tiny next to the looked-up
 * rows) and computes the table's dense gradient with PyTorch's {@code embedding_dense_backward}.
 * Parameter: the table. The indices get no gradient.
 */
final class EmbeddingFunction implements QFunction {

    private final UnaryOperator<NDList> lookup;
    private int inputs;

    EmbeddingFunction(UnaryOperator<NDList> lookup) {
        this.lookup = lookup;
    }

    @Override
    public String name() {
        return "QEmbedding";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList in) {
        inputs = in.size();
        if (ctx.needsParameterGradient(0)) {
            ctx.saveExact(in.head());
        }
        return lookup.apply(in);
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDList result = new NDList(inputs + 1);
        for (int i = 0; i < inputs; i++) {
            result.add(null);
        }
        NDArray dw = null;
        if (ctx.needsParameterGradient(0)) {
            long rows = ctx.parameter(0).getShape().get(0);
            try (NDArray indices = ctx.restore(0)) {
                dw = TensorOps.embeddingBackward(gradOutputs.singletonOrThrow(), indices, rows, ctx.getManager());
            }
        }
        result.add(dw);
        return result;
    }
}
