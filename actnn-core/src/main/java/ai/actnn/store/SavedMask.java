package ai.actnn.store;

import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** A saved 1-bit mask and the codec of its device, which applies it to gradients. */
public final class SavedMask implements Saved {

    private final PackedMask mask;
    private final MaskCodec codec;

    SavedMask(PackedMask mask, MaskCodec codec) {
        this.mask = mask;
        this.codec = codec;
    }

    /**
     * Returns {@code x * scale} where the mask is set and exactly 0 elsewhere.
     *
     * @param x a tensor of the mask's shape (a gradient, or in dropout's forward the input)
     * @param scale the factor where the mask is set
     * @param manager the owner of the result
     * @return the masked tensor
     */
    public NDArray apply(NDArray x, float scale, NDManager manager) {
        return codec.applyMask(x, mask, scale, manager);
    }

    /** {@inheritDoc} */
    @Override
    public long storedBytes() {
        return mask.byteSize();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        mask.close();
    }
}
