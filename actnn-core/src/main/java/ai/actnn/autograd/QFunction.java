package ai.actnn.autograd;

import ai.djl.ndarray.NDList;

/**
 * A differentiable op whose backward reads only what its forward saved, compressed: the shape of
 * PyTorch's {@code autograd.Function}. Run it through {@link Tape#apply}: the forward computes
 * without an autograd graph and saves through its {@link ForwardContext} only; after the loss's
 * backward, the tape calls {@link #backward} with a {@link BackwardContext} that reads back what
 * was saved. The tape owns everything saved (it frees it right after the backward, or when the
 * step ends, also after an exception) and counts it, so an op can neither leak nor hide what it
 * keeps.
 *
 * <p>A function object may carry the op's hyper-parameters and per-call values that are not
 * arrays (shapes, flags); arrays that the backward needs go through the context.
 */
public interface QFunction {

    /**
     * Returns the op's name for messages.
     *
     * @return the name
     */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Computes the outputs (autograd is off) and saves what the backward needs.
     *
     * @param ctx where to save, and the op's parameters
     * @param inputs the op's inputs
     * @return the outputs: new arrays, none of them an input
     */
    NDList forward(ForwardContext ctx, NDList inputs);

    /**
     * Computes the gradients of the inputs and of the parameters.
     *
     * @param ctx what the forward saved, the parameters, and a manager for temporaries
     * @param gradOutputs dL/d(output) for each output (zeros where an output got no gradient)
     * @return one gradient per input, then one per parameter, each null where the context says
     *     it is not needed
     */
    NDList backward(BackwardContext ctx, NDList gradOutputs);
}
