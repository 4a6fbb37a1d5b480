package ai.actnn.nn.pool;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.PoolOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Max pooling over the last two axes that keeps, per output element, one byte: the position of
 * the maximum inside its window. Exact, and 8x (fp32) smaller than the int64 indices PyTorch keeps.
 */
final class MaxPool2dFunction implements QFunction {

    private final PoolGeometry geometry;
    private Shape inputShape;

    MaxPool2dFunction(PoolGeometry geometry) {
        this.geometry = geometry;
    }

    @Override
    public String name() {
        return "QMaxPool2d";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() < 3) {
            throw new IllegalArgumentException("QMaxPool2d expects [N, C, H, W] or [C, H, W] input, got " + x.getShape());
        }
        inputShape = x.getShape();
        NDList r = PoolOps.maxPool2dWithOffsets(
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
        int d = inputShape.dimension();
        try (NDArray offsets = ctx.restore(0)) {
            return new NDList(PoolOps.maxPool2dBackward(
                    gradOutputs.singletonOrThrow(),
                    offsets,
                    inputShape.get(d - 2),
                    inputShape.get(d - 1),
                    geometry.kernel(),
                    geometry.stride(),
                    geometry.padding(),
                    ctx.getManager()));
        }
    }
}
