package ai.actnn.autograd;

import ai.djl.ndarray.NDList;

/**
 * The backward half of one recorded Q-op: what its forward saved (compressed) and how to turn
 * the gradients of its outputs into gradients of its inputs and parameters. The shape of PyTorch's
 * {@code autograd.Function}: the forward computes without a graph and saves; this reads only what
 * was saved.
 */
public interface CompressedOp extends AutoCloseable {

    /**
     * Returns the op's name for messages (e.g. the Q-layer's class name).
     *
     * @return the name
     */
    String name();

    /**
     * Computes input gradients and accumulates parameter gradients.
     *
     * @param ctx the backward context (manager, which inputs need gradients, parameter sink)
     * @param gradOutputs dL/d(output) for each output (zeros where an output got no gradient)
     * @return dL/d(input) for each input; an entry may be null where {@link
     *     BackwardContext#needsInputGradient} is false
     */
    NDList backward(BackwardContext ctx, NDList gradOutputs);

    /** Frees everything saved by the forward. */
    @Override
    void close();
}
