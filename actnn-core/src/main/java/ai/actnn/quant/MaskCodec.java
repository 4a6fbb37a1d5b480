package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Packs one bit per element (the masks of {@code docs/format.md}) and applies such masks to
 * gradients: what ReLU, clipping and dropout keep for their backward. Results are attached to the
 * given manager.
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
