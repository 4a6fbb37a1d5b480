package ai.actnn.autograd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.Supplier;

/**
 * What a {@link QFunction}'s backward may read: what its forward saved (by index, per kind, in
 * order of saving), its parameters, which gradients are needed, and a manager for temporaries
 * that is closed right after the backward.
 */
public interface BackwardContext {

    /**
     * Returns a saved activation in full precision (dequantized if packed).
     *
     * @param activation the index among saved activations
     * @return a new array owned by {@link #getManager()}; close it early to lower the peak
     */
    NDArray restore(int activation);

    /**
     * Returns samples {@code [from, to)} of a saved activation in full precision, so a backward
     * can work through a large batch in chunks.
     *
     * @param activation the index among saved activations
     * @param from the first sample
     * @param to one past the last sample
     * @return a new array owned by {@link #getManager()}
     */
    NDArray restore(int activation, int from, int to);

    /**
     * Returns whether restoring a saved activation hands back kept full-precision storage (no
     * new memory): restoring it in chunks would then only add work.
     *
     * @param activation the index among saved activations
     * @return whether restoring allocates nothing
     */
    boolean restoresInPlace(int activation);

    /**
     * Returns {@code grad * scale} where a saved mask is set and exactly 0 elsewhere.
     *
     * @param mask the index among saved masks
     * @param grad a tensor of the mask's shape
     * @param scale the factor where the mask is set
     * @return a new array owned by {@link #getManager()}
     */
    NDArray applyMask(int mask, NDArray grad, float scale);

    /**
     * Returns {@code grad * value(code)} element by element for saved codes.
     *
     * @param codes the index among saved codes
     * @param grad a tensor of the encoded activation's shape
     * @return a new array owned by {@link #getManager()}
     */
    NDArray applyCodes(int codes, NDArray grad);

    /**
     * Returns the input gradient of a saved max pooling ({@link ForwardContext#maxPool2d}): each
     * output gradient routed to the input element that was its window's maximum.
     *
     * @param pooling the index among saved poolings
     * @param grad the output gradient
     * @return a new array of the pooling input's shape, owned by {@link #getManager()}
     */
    NDArray maxPool2dBackward(int pooling, NDArray grad);

    /**
     * Runs work as {@link ForwardContext#runReplayable} ran the forward's: with PyTorch's default
     * CPU generator set to the state kept then (if the forward drew random numbers), after which
     * the generator's current state is put back, so the work draws the same numbers and the
     * user's random stream is left as it was.
     *
     * @param work the work
     * @param <T> its result type
     * @return its result
     */
    <T> T replay(Supplier<T> work);

    /**
     * Reports, for an op that saved at more than one site, the gradient statistics of one saved
     * activation to the step's bit policy (ops that saved at one site are reported by the tape:
     * their output gradient and first parameter's gradient). The policy's error bound of the site
     * reads {@code outputGradient} as the gradient of the product the activation enters, row for
     * row: a row of it (over its last axis) pairs with the activation's row (over its last axis),
     * and {@code fed} is the gradient that the activation's error reaches, the reference of the
     * relative bound. The output gradient is computed only when the policy asks for it this step
     * ({@link ai.actnn.policy.BitPolicy#wantsProductGradients}: the auto level's bound does; L3's
     * allocator, which weighs a layer by its output gradient, does not).
     * Once an op reports a site, the tape reports nothing of that op itself.
     *
     * @param activation the index among saved activations
     * @param outputGradient computes the row-paired output gradient, first axis = samples (an
     *     array the backward's manager owns)
     * @param fed the gradient the activation's error reaches, or null
     * @throws IndexOutOfBoundsException if no activation of that index was saved
     */
    void reportGradients(int activation, Supplier<NDArray> outputGradient, NDArray fed);

    /**
     * Returns the number of parameters the op was applied with.
     *
     * @return the count
     */
    int parameterCount();

    /**
     * Returns a parameter of the op.
     *
     * @param index the parameter's index
     * @return the array
     */
    NDArray parameter(int index);

    /**
     * Returns whether an input's gradient must be computed.
     *
     * @param input the input's index
     * @return whether it is needed
     */
    boolean needsInputGradient(int input);

    /**
     * Returns whether a parameter's gradient must be computed.
     *
     * @param parameter the parameter's index
     * @return whether it is needed
     */
    boolean needsParameterGradient(int parameter);

    /**
     * Returns the manager of this backward's temporaries, closed right after it; the gradients the
     * backward returns are kept by the tape wherever they were created.
     *
     * @return the manager
     */
    NDManager getManager();
}
