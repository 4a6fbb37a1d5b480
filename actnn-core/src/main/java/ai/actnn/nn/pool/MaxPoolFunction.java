package ai.actnn.nn.pool;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.PoolOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Max pooling over the last axis (1-D) or the last three axes (3-D) that keeps, per output
 * element, one byte: the position of the maximum inside its window. Exact, and 8x (fp32) smaller
 * than the int64 indices PyTorch keeps.
 */
final class MaxPoolFunction implements QFunction {

    private final String name;
    private final PoolGeometry geometry;
    private Shape inputShape;

    MaxPoolFunction(String name, PoolGeometry geometry) {
        this.name = name;
        this.geometry = geometry;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        int axes = geometry.kernel().dimension();
        if (x.getShape().dimension() < axes + 1) {
            throw new IllegalArgumentException(
                    name + " pools " + axes + " axes: expected an input of rank " + (axes + 2) + ", got " + x.getShape());
        }
        inputShape = x.getShape();
        NDList r = PoolOps.maxPoolWithOffsets(
                x, geometry.kernel(), geometry.stride(), geometry.padding(), geometry.ceilMode(), x.getManager());
        try (NDArray offsets = r.get(1)) {
            ctx.saveExact(offsets);
        }
        return new NDList(r.get(0));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        try (NDArray offsets = ctx.restore(0)) {
            return new NDList(PoolOps.maxPoolBackward(
                    gradOutputs.singletonOrThrow(),
                    offsets,
                    inputShape,
                    geometry.kernel(),
                    geometry.stride(),
                    geometry.padding(),
                    ctx.getManager()));
        }
    }
}
