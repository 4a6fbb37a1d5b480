package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Packs activations into the bytes of {@code docs/format.md} and unpacks them: per-group ranges,
 * stochastic rounding to {@code b} bits, packed codes. Results are attached to the given manager.
 *
 * <p>Inputs must be FLOAT32 or FLOAT16 tensors on a device that the {@link Backend} accepts;
 * anything else is rejected with an {@link IllegalArgumentException} naming the data type or
 * device and what is allowed.
 */
public interface Quantizer {

    /**
     * Computes the per-group minimum and maximum.
     *
     * @param x the tensor
     * @param groupSize the group size
     * @return the statistics (close them when done)
     */
    GroupStats analyze(NDArray x, int groupSize);

    /**
     * Quantizes and packs a tensor with precomputed group statistics.
     *
     * @param x the tensor (first axis = samples)
     * @param stats its statistics from {@link #analyze} with {@code spec}'s group size
     * @param spec bits per sample, group size, rounding and random key
     * @param manager the owner of the packed arrays
     * @return the packed tensor
     */
    PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager);

    /**
     * Quantizes and packs a tensor.
     *
     * @param x the tensor (first axis = samples)
     * @param spec bits per sample, group size, rounding and random key
     * @param manager the owner of the packed arrays
     * @return the packed tensor
     */
    default PackedTensor quantize(NDArray x, QuantizeSpec spec, NDManager manager) {
        try (GroupStats stats = analyze(x, spec.getGroupSize())) {
            return quantize(x, stats, spec, manager);
        }
    }

    /**
     * Unpacks and dequantizes a packed tensor.
     *
     * @param packed the packed tensor
     * @param manager the owner of the result
     * @return the tensor, in the packed tensor's original shape and data type
     */
    NDArray dequantize(PackedTensor packed, NDManager manager);
}
