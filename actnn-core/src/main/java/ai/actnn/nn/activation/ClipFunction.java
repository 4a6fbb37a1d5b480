package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.nn.Clipping;
import ai.djl.ndarray.NDList;

/** Clipping to a range (ReLU6, hard tanh, clip) with the compact exact backward of {@link Clipping}. */
public final class ClipFunction implements QFunction {

    private final Clipping clipping;

    /**
     * Creates the function.
     *
     * @param clipping the range and the gradient at its ends
     */
    public ClipFunction(Clipping clipping) {
        this.clipping = clipping;
    }

    @Override
    public String name() {
        return "QClip";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        return new NDList(clipping.forward(ctx, inputs.singletonOrThrow()));
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        return new NDList(ctx.needsInputGradient(0) ? clipping.backward(ctx, gradOutputs.singletonOrThrow()) : null);
    }
}
