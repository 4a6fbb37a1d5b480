package ai.actnn.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Packs and unpacks activations for one kind of device. Every backend produces the bytes of
 * {@code docs/format.md}; results are attached to the given manager.
 *
 * <p>Inputs must be FLOAT32 or FLOAT16 tensors on a device that {@link #supports} accepts;
 * anything else is rejected with an {@link IllegalArgumentException} naming the data type or
 * device and what is allowed.
 */
public interface QuantizerBackend {

    /**
     * Returns the backend's name for logs ("cpu", "cuda").
     *
     * @return the name
     */
    String name();

    /**
     * Returns whether this backend works on tensors of the device.
     *
     * @param device the device
     * @return whether tensors there can be packed by this backend
     */
    boolean supports(Device device);

    /**
     * Computes the per-group minimum and maximum.
     *
     * @param x the tensor
     * @param groupSize the group size
     * @return the statistics (close them when done)
     */
    GroupStats analyze(NDArray x, int groupSize);

    /**
     * Quantizes and packs a tensor using statistics already computed for it.
     *
     * @param x the tensor (the same one {@code stats} was computed from)
     * @param stats its statistics
     * @param spec bits, group size (must equal the statistics'), key, rounding
     * @param manager the owner of the packed bytes
     * @return the packed tensor, on {@code x}'s device
     */
    PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager);

    /**
     * Quantizes and packs a tensor.
     *
     * @param x the tensor
     * @param spec bits, group size, key, rounding
     * @param manager the owner of the packed bytes
     * @return the packed tensor, on {@code x}'s device
     */
    default PackedTensor quantize(NDArray x, QuantizeSpec spec, NDManager manager) {
        try (GroupStats stats = analyze(x, spec.getGroupSize())) {
            return quantize(x, stats, spec, manager);
        }
    }

    /**
     * Unpacks and dequantizes.
     *
     * @param packed the packed tensor (its bytes must be on a supported device)
     * @param manager the owner of the result
     * @return a new array of the original shape and data type, on the packed tensor's device
     */
    NDArray dequantize(PackedTensor packed, NDManager manager);

    /**
     * Packs the bits {@code x > 0} (ReLU's mask), one bit per element.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask packPositive(NDArray x, NDManager manager);

    /**
     * Packs the bits {@code m != 0} of any numeric or boolean tensor, one bit per element.
     *
     * @param m the tensor
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask packNonZero(NDArray m, NDManager manager);

    /**
     * Returns {@code grad * mask * scale}: the backward of ReLU (scale 1) and dropout (scale
     * {@code 1 / (1 - rate)}).
     *
     * @param grad a FLOAT32 or FLOAT16 gradient of the mask's shape
     * @param mask the mask
     * @param scale the factor applied where the mask is set
     * @param manager the owner of the result
     * @return a new array shaped and typed like {@code grad}
     */
    NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager);

    /**
     * Draws a dropout keep mask: element {@code i} (row-major) is kept iff {@code r(i) >= rate},
     * with {@code r(i)} the counter-based random number of {@code docs/format.md} for {@code
     * key}, so every backend draws the same mask.
     *
     * @param shape the shape of the tensor to mask
     * @param rate the drop probability in [0, 1]
     * @param key the key of the random stream
     * @param manager the owner of the mask (its device is where the mask is created)
     * @return the mask
     */
    PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager);

    /**
     * Unpacks a mask into a BOOLEAN array.
     *
     * @param mask the mask
     * @param manager the owner of the result
     * @return the mask as booleans, of the mask's shape
     */
    NDArray unpackMask(PackedMask mask, NDManager manager);
}
