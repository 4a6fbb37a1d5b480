package ai.actnn.store;

import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.PoolCodec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The one-byte argmax offsets of a max pooling, with the input shape, the pooling and the codec of
 * their device, which routes gradients through them.
 */
public final class SavedPooling implements Saved {

    private final NDArray offsets;
    private final Shape inputShape;
    private final MaxPool2dSpec spec;
    private final PoolCodec codec;

    SavedPooling(NDArray offsets, Shape inputShape, MaxPool2dSpec spec, PoolCodec codec) {
        this.offsets = offsets;
        this.inputShape = inputShape;
        this.spec = spec;
        this.codec = codec;
    }

    /**
     * Returns the input gradient of the pooling: each output gradient routed to the input element
     * its offset names.
     *
     * @param grad the output gradient
     * @param manager the owner of the result
     * @return the input gradient, of the forward input's shape
     */
    public NDArray backward(NDArray grad, NDManager manager) {
        return codec.maxPool2dBackward(grad, offsets, inputShape, spec, manager);
    }

    /** {@inheritDoc} */
    @Override
    public long storedBytes() {
        return offsets.size() * offsets.getDataType().getNumOfBytes();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        offsets.close();
    }
}
