package ai.actnn.store;

import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A saved 1-bit mask and the codec of its device, which applies it to gradients. A ReLU's mask
 * may also be held by the compacted copy of the ReLU's output ({@link CompactedActivation}): the
 * bytes are freed when the last holder closes.
 */
public final class SavedMask implements Saved {

    private final PackedMask mask;
    private final MaskCodec codec;
    private int holders = 1;

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

    /** Registers one more holder, who closes it once; fails if the mask was freed. */
    synchronized SavedMask retain() {
        if (holders == 0) {
            throw new IllegalStateException("mask of shape " + mask.getShape() + " already released");
        }
        holders++;
        return this;
    }

    /** Whether every holder has closed it. */
    synchronized boolean isReleased() {
        return holders == 0;
    }

    /** The packed bits. */
    PackedMask packed() {
        return mask;
    }

    /** {@inheritDoc} */
    @Override
    public long storedBytes() {
        return mask.byteSize();
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void close() {
        if (holders > 0 && --holders == 0) {
            mask.close();
        }
    }
}
