package ai.actnn.nn.norm;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.quant.MaskCodec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Dropout that keeps its keep mask as one bit per element and applies the same mask in forward and
 * backward ({@code y = x * mask / (1 - p)}); at rate 0 it keeps nothing. The mask comes from the
 * packed format's counter-based generator, so it is reproducible from the seed and identical on
 * every backend.
 */
final class DropoutFunction implements QFunction {

    private final float rate;
    private final float scale;

    DropoutFunction(float rate) {
        this.rate = rate;
        this.scale = MaskCodec.dropoutScale(rate);
    }

    @Override
    public String name() {
        return "QDropout";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        if (rate == 0f) {
            // Nothing is dropped: a new handle of the input passes through, keeping no mask.
            return new NDList(x.stopGradient());
        }
        return new NDList(ctx.dropout(x, rate));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        NDArray grad = gradOutputs.singletonOrThrow();
        return new NDList(rate == 0f ? grad : ctx.applyMask(0, grad, scale));
    }
}
