package ai.actnn.nn.container;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * The concatenation of a parallel block's branches along an axis (Inception, DenseNet): saves
 * only the branches' sizes along the axis; the backward hands each branch its slice of the
 * gradient.
 */
final class ConcatFunction implements QFunction {

    private final int axis;
    private long[] sizes;

    ConcatFunction(int axis) {
        this.axis = axis;
    }

    @Override
    public String name() {
        return "QParallel.concat";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        sizes = new long[inputs.size()];
        int rank = inputs.get(0).getShape().dimension();
        int a = axis < 0 ? axis + rank : axis;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = inputs.get(i).getShape().get(a);
        }
        return new NDList(NDArrays.concat(inputs, axis));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray g = gradOutputs.singletonOrThrow();
        int rank = g.getShape().dimension();
        int a = axis < 0 ? axis + rank : axis;
        NDList dx = new NDList(sizes.length);
        long from = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (ctx.needsInputGradient(i)) {
                StringBuilder index = new StringBuilder();
                for (int d = 0; d < rank; d++) {
                    index.append(d == 0 ? "" : ",").append(d == a ? from + ":" + (from + sizes[i]) : ":");
                }
                NDArray part = g.get(new NDIndex(index.toString()));
                part.attach(ctx.getManager());
                dx.add(part);
            } else {
                dx.add(null);
            }
            from += sizes[i];
        }
        return dx;
    }
}
