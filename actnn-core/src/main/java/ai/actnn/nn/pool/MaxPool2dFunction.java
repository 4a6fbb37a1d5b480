package ai.actnn.nn.pool;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.quant.MaxPool2dSpec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Max pooling over the last two axes that keeps, per output element, one byte: the position of
 * the maximum inside its window. Exact, and 8x (fp32) smaller than the int64 indices PyTorch keeps.
 */
final class MaxPool2dFunction implements QFunction {

    private final MaxPool2dSpec spec;

    MaxPool2dFunction(MaxPool2dSpec spec) {
        this.spec = spec;
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
        return new NDList(ctx.maxPool2d(x, spec));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        return new NDList(ctx.maxPool2dBackward(0, gradOutputs.singletonOrThrow()));
    }
}
