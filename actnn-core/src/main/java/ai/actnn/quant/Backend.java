package ai.actnn.quant;

import ai.djl.Device;

import java.util.Optional;

/**
 * The codecs of one kind of device: how activations, masks and (optionally) few-bit codes are
 * packed there. Backends of other modules (CUDA) are found with {@link java.util.ServiceLoader};
 * the store's {@code Backends} chooses one per device.
 */
public interface Backend {

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
     * Returns the quantizer of activations.
     *
     * @return the quantizer
     */
    Quantizer quantizer();

    /**
     * Returns the codec of 1-bit masks.
     *
     * @return the mask codec
     */
    MaskCodec masks();

    /**
     * Returns the codec of few-bit codes, if this backend has one (the store falls back to
     * PyTorch's own ops otherwise).
     *
     * @return the code codec, or empty
     */
    default Optional<CodeCodec> codes() {
        return Optional.empty();
    }

    /**
     * Returns the codec of max pooling with one-byte argmax offsets, if this backend has one (the
     * store falls back to PyTorch's own ops otherwise).
     *
     * @return the pooling codec, or empty
     */
    default Optional<PoolCodec> pooling() {
        return Optional.empty();
    }

    /**
     * Returns the compaction of tensors by their masks, if this backend has one: the store then
     * packs only the positive elements of ReLU outputs (and packs them whole otherwise).
     *
     * @return the compaction, or empty
     */
    default Optional<MaskedCompaction> compaction() {
        return Optional.empty();
    }
}
