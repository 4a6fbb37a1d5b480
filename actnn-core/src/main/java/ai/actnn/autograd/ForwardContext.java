package ai.actnn.autograd;

import ai.actnn.policy.ActivationSite;
import ai.actnn.quant.CodeTable;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.store.SavedMask;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What a {@link QFunction}'s forward may do besides computing: save what its backward needs (and
 * nothing else can be kept for the backward), run the layer ops whose output comes with what
 * their backward keeps ({@link #relu}, {@link #dropout}, {@link #maxPool2d}: fused where the
 * device's backend can), read its parameters, and ask which gradients will be needed. Saved items
 * are read back in their order of saving, one index sequence per kind: activations ({@link
 * #save}, {@link #saveExact}) by {@link BackwardContext#restore}; masks ({@link #relu}, {@link
 * #reluInPlace}, {@link #saveRangeMask}, {@link #dropout}, {@link #saveKeepMask}) by {@link
 * BackwardContext#applyMask}; codes by {@link BackwardContext#applyCodes}; poolings by {@link
 * BackwardContext#maxPool2dBackward}.
 */
public interface ForwardContext {

    /**
     * Saves an activation, packed at the bits the step's level and policy choose for the site (or
     * exactly where the level does not compress it, e.g. integer tensors or L0).
     *
     * @param x the activation (first axis = samples)
     * @param site where it is saved: the key of per-layer bit statistics
     */
    void save(NDArray x, ActivationSite site);

    /**
     * Saves an array exactly, whatever the level (indices, normalisation statistics). The caller
     * may close its own handle afterwards.
     *
     * @param x the array
     */
    void saveExact(NDArray x);

    /**
     * Computes ReLU and saves its 1-bit mask {@code x > 0}; the backward applies the mask with
     * {@link BackwardContext#applyMask} (scale 1).
     *
     * @param x the input
     * @return the output, a new array in {@code x}'s manager
     */
    NDArray relu(NDArray x);

    /**
     * Saves the 1-bit mask {@code x > 0} and overwrites {@code x} with its ReLU (for an array
     * that nothing else reads, such as a join's own accumulator).
     *
     * @param x the input, overwritten
     * @return a new handle to {@code x}'s storage, the ReLU output, for the function to return:
     *     the ops that save it can then keep only its positive elements
     */
    NDArray reluInPlace(NDArray x);

    /**
     * Saves the 1-bit mask "x inside the range" (ReLU6, hard tanh, clip).
     *
     * @param x the input
     * @param range the range, with whether each end belongs to it
     */
    void saveRangeMask(NDArray x, MaskCodec.Range range);

    /**
     * Applies dropout with a keep mask drawn from the step's random streams and saves the mask;
     * the backward applies it with {@link BackwardContext#applyMask} and the scale {@link
     * ai.actnn.quant.MaskCodec#dropoutScale}{@code (rate)}.
     *
     * @param x the input
     * @param rate the drop probability in [0, 1]
     * @return {@code x * mask * dropoutScale(rate)}, a new array in {@code x}'s manager
     */
    NDArray dropout(NDArray x, float rate);

    /**
     * Draws and saves a dropout keep mask from the step's random streams, for a forward that
     * applies it itself with {@link SavedMask#apply} (attention, whose dropped probabilities
     * feed a product).
     *
     * @param shape the shape of the masked tensor
     * @param rate the drop probability in [0, 1]
     * @param device the device of the masked tensor
     * @return the mask
     */
    SavedMask saveKeepMask(Shape shape, float rate, Device device);

    /**
     * Max pooling over the last two axes that saves one byte per output element (the argmax's
     * offset in its window); the backward routes gradients through them with {@link
     * BackwardContext#maxPool2dBackward}.
     *
     * @param x the input, {@code [N, C, H, W]} or {@code [C, H, W]}
     * @param spec the pooling
     * @return the output, a new array in {@code x}'s manager
     */
    NDArray maxPool2d(NDArray x, MaxPool2dSpec spec);

    /**
     * Saves a few-bit code of each element's interval in a table (GELU, SiLU).
     *
     * @param x the input
     * @param table the intervals and each code's value
     * @param scale the factor applied to x before encoding
     */
    void saveCodes(NDArray x, CodeTable table, float scale);

    /**
     * Runs work that may draw from PyTorch's default CPU random generator; if it does, the state
     * the generator had before is kept (about 5 KB), so that the backward replays the same draws
     * ({@link BackwardContext#replay}). Work that draws nothing keeps nothing.
     *
     * @param work the work (typically the function's forward)
     * @param <T> its result type
     * @return its result
     */
    <T> T runReplayable(Supplier<T> work);

    /**
     * Declares that an output can be recomputed from a saved activation by a cheap element-wise
     * function, so that consumers need not save it (only when the configuration recomputes).
     *
     * @param output the op's output
     * @param activation the index of the saved activation it derives from
     * @param recompute from the restored activation to the output (a new array)
     */
    void declareRecomputable(NDArray output, int activation, UnaryOperator<NDArray> recompute);

    /**
     * Returns whether {@link #save} would pack {@code x} at this site (otherwise it keeps it
     * exact): ops with a cheaper exact or few-bit encoding use it to choose.
     *
     * @param x the activation
     * @param site the site
     * @return whether it would be quantized
     */
    boolean compresses(NDArray x, ActivationSite site);

    /**
     * Returns whether this step recomputes element-wise outputs instead of saving them.
     *
     * @return the configuration's recompute flag
     */
    boolean recomputes();

    /**
     * Returns the configured bits of a site's layer group.
     *
     * @param site the site
     * @return the bits
     */
    int configuredBits(ActivationSite site);

    /**
     * Returns the number of parameters the op was applied with.
     *
     * @return the count
     */
    int parameterCount();

    /**
     * Returns a parameter of the op (the array {@code ParameterStore.getValue} returned).
     *
     * @param index the parameter's index
     * @return the array
     */
    NDArray parameter(int index);

    /**
     * Returns whether the backward must compute an input's gradient.
     *
     * @param input the input's index
     * @return whether its gradient is needed
     */
    boolean needsInputGradient(int input);

    /**
     * Returns whether the backward must compute a parameter's gradient.
     *
     * @param parameter the parameter's index
     * @return whether its gradient is needed (false for frozen parameters)
     */
    boolean needsParameterGradient(int parameter);
}
