package ai.actnn.quant;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Packs one bit per element (the masks of {@code docs/format.md}) and applies such masks to
 * gradients: what ReLU, clipping and dropout keep for their backward. Results are attached to the
 * given manager, except the outputs of the fused layer forwards ({@link #relu}, {@link #dropout}),
 * which are attached to their input's manager as PyTorch's own ops attach theirs.
 *
 * <p>The fused forwards have default implementations from the codec's own operations and PyTorch;
 * a backend overrides them where it computes output and mask in one pass (CUDA), with the same
 * results.
 */
public interface MaskCodec {

    /**
     * Packs the mask {@code x > 0} (false for NaN): ReLU's backward.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask packPositive(NDArray x, NDManager manager);

    /**
     * Packs the mask "x lies inside the range" (false for NaN): the backward of clipping
     * functions (ReLU6, hard tanh, clip), whose gradient passes only inside the range.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param range the range and whether each end belongs to it
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask packInRange(NDArray x, Range range, NDManager manager);

    /**
     * Draws a dropout keep mask from the format's counter-based generator: element {@code i} is
     * kept iff its uniform number is at least {@code rate}, so every backend draws the same mask
     * for the same key.
     *
     * @param shape the shape of the masked tensor
     * @param rate the drop probability in [0, 1]
     * @param key the random stream's key
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager);

    /**
     * Returns {@code grad * scale} where the mask is set and exactly 0 elsewhere (also where the
     * gradient is NaN or infinite).
     *
     * @param grad a FLOAT32 or FLOAT16 tensor of the mask's shape
     * @param mask the mask
     * @param scale the factor where the mask is set
     * @param manager the owner of the result
     * @return the masked tensor
     */
    NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager);

    /**
     * ReLU forward with its backward's mask: {@code y = x} except {@code +0} where {@code x < 0}
     * (so {@code -0} and NaN pass unchanged, as PyTorch's CPU {@code relu} computes it), and the
     * mask {@code x > 0}. The default packs the mask with {@link #packPositive} and computes
     * {@code y} with PyTorch's {@code relu} on the tensor's device.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param manager the owner of the mask ({@code y} is attached to {@code x}'s manager)
     * @return {@code y} and the mask
     */
    default MaskedOutput relu(NDArray x, NDManager manager) {
        PackedMask mask = packPositive(x, manager);
        try {
            return new MaskedOutput(Activation.relu(x), mask);
        } catch (RuntimeException e) {
            mask.close();
            throw e;
        }
    }

    /**
     * {@link #relu} in place: packs the mask {@code x > 0}, then overwrites {@code x} with its
     * ReLU (a join that accumulates into a buffer no one else reads saves a full-precision tensor
     * at the forward's peak). The default uses {@link #packPositive} and PyTorch's {@code relu_}.
     *
     * @param x a FLOAT32 or FLOAT16 tensor, overwritten
     * @param manager the owner of the mask
     * @return the mask
     */
    default PackedMask reluInPlace(NDArray x, NDManager manager) {
        PackedMask mask = packPositive(x, manager);
        try {
            ActivationOps.reluInPlace(x);
            return mask;
        } catch (RuntimeException e) {
            mask.close();
            throw e;
        }
    }

    /**
     * Dropout forward with its keep mask: the mask of {@link #randomKeepMask} for {@code key},
     * and {@code y = x * }{@link #dropoutScale}{@code (rate)} where kept, {@code +0} where dropped
     * (exactly {@link #applyMask} of {@code x}, which the default calls).
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param rate the drop probability in [0, 1]
     * @param key the random stream's key
     * @param manager the owner of the mask ({@code y} is attached to {@code x}'s manager)
     * @return {@code y} and the keep mask
     */
    default MaskedOutput dropout(NDArray x, float rate, long key, NDManager manager) {
        PackedMask keep = randomKeepMask(x.getShape(), rate, key, manager);
        try {
            return new MaskedOutput(applyMask(x, keep, dropoutScale(rate), x.getManager()), keep);
        } catch (RuntimeException e) {
            keep.close();
            throw e;
        }
    }

    /**
     * Returns dropout's scale of kept elements, {@code 1 / (1 - rate)} computed in fp32, and 0
     * for rate 1 (everything is dropped).
     *
     * @param rate the drop probability in [0, 1]
     * @return the scale
     * @throws IllegalArgumentException for a rate outside [0, 1] (or NaN)
     */
    static float dropoutScale(float rate) {
        if (!(rate >= 0f && rate <= 1f)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1], got " + rate);
        }
        return rate >= 1f ? 0f : 1f / (1f - rate);
    }

    /**
     * A closed, open or half-open interval {@code [low, high]}.
     *
     * @param low the lower end
     * @param high the upper end
     * @param lowIncluded whether {@code low} itself is inside
     * @param highIncluded whether {@code high} itself is inside
     */
    record Range(float low, float high, boolean lowIncluded, boolean highIncluded) {

        /**
         * Validates the ends.
         *
         * @throws IllegalArgumentException if an end is NaN or {@code low > high}
         */
        public Range {
            if (Float.isNaN(low) || Float.isNaN(high) || low > high) {
                throw new IllegalArgumentException(
                        "range [" + low + ", " + high + "] is invalid: allowed are ends that are"
                                + " numbers with low <= high");
            }
        }

        /**
         * Returns a range.
         *
         * @param low the lower end (may be negative infinity)
         * @param high the upper end (may be positive infinity)
         * @param lowIncluded whether {@code low} itself is inside
         * @param highIncluded whether {@code high} itself is inside
         * @return the range
         */
        public static Range of(float low, float high, boolean lowIncluded, boolean highIncluded) {
            return new Range(low, high, lowIncluded, highIncluded);
        }

        /**
         * Returns whether a value lies inside the range (false for NaN).
         *
         * @param v the value
         * @return whether it is inside
         */
        public boolean contains(float v) {
            return (lowIncluded ? v >= low : v > low) && (highIncluded ? v <= high : v < high);
        }
    }
}
