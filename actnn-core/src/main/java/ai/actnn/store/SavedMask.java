package ai.actnn.store;

import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A 1-bit mask a step keeps for its backward, and the codec of its device, which applies it to
 * gradients. The bits are either held ({@link #of}: ReLU's {@code x > 0}, a clipping range) or,
 * for a dropout keep mask, drawn again from its random key whenever they are applied ({@link
 * #redrawn}): the format's generator gives the same bits for the same key, so the mask costs no
 * memory between the forward and the backward.
 *
 * <p>A ReLU's mask may also be held by the compacted copy of the ReLU's output ({@link
 * CompactedActivation}): the bits are freed when the last holder closes.
 */
public final class SavedMask implements Saved {

    /** Where the bits come from. */
    private sealed interface Bits permits Held, Drawn {}

    private record Held(PackedMask mask) implements Bits {}

    private record Drawn(Shape shape, float rate, long key) implements Bits {}

    private final Bits bits;
    private final MaskCodec codec;
    private int holders = 1;

    private SavedMask(Bits bits, MaskCodec codec) {
        this.bits = bits;
        this.codec = codec;
    }

    /** A mask whose bits are held until the last holder closes it. */
    static SavedMask of(PackedMask mask, MaskCodec codec) {
        return new SavedMask(new Held(mask), codec);
    }

    /**
     * A dropout keep mask kept as its key: {@link MaskCodec#randomKeepMask} draws the bits again
     * where they are applied.
     */
    static SavedMask redrawn(Shape shape, float rate, long key, MaskCodec codec) {
        MaskCodec.dropoutScale(rate); // rejects a rate outside [0, 1] now, not in the backward
        return new SavedMask(new Drawn(shape, rate, key), codec);
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
        if (bits instanceof Drawn d) {
            try (PackedMask mask = codec.randomKeepMask(d.shape(), d.rate(), d.key(), manager)) {
                return codec.applyMask(x, mask, scale, manager);
            }
        }
        return codec.applyMask(x, packed(), scale, manager);
    }

    /** Registers one more holder, who closes it once; fails if the mask was freed. */
    synchronized SavedMask retain() {
        if (holders == 0) {
            throw new IllegalStateException("mask already released");
        }
        holders++;
        return this;
    }

    /** Whether every holder has closed it. */
    synchronized boolean isReleased() {
        return holders == 0;
    }

    /** The held bits; only a mask made by {@link #of} holds them. */
    PackedMask packed() {
        if (bits instanceof Held h) {
            return h.mask();
        }
        throw new IllegalStateException("a redrawn keep mask holds no bits");
    }

    /** {@inheritDoc} */
    @Override
    public long storedBytes() {
        return bits instanceof Held h ? h.mask().byteSize() : 0;
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void close() {
        if (holders > 0 && --holders == 0 && bits instanceof Held h) {
            h.mask().close();
        }
    }
}
