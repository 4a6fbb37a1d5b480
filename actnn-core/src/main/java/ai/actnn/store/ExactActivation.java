package ai.actnn.store;

import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * A full-precision saved activation: a second handle on the tensor's storage, so the producer's
 * handle may be closed while the storage stays alive for backward (what PyTorch's autograd keeps).
 */
final class ExactActivation implements SavedActivation {

    private final NDArray reference;

    /**
     * Creates the reference.
     *
     * @param x the activation
     * @param manager the owner of the new handle
     */
    ExactActivation(NDArray x, NDManager manager) {
        NDArray ref = x.stopGradient();
        ref.attach(manager);
        this.reference = ref;
    }

    @Override
    public NDArray restore(NDManager manager) {
        NDArray copy = reference.stopGradient();
        copy.attach(manager);
        return copy;
    }

    @Override
    public NDArray restore(NDManager manager, int from, int to) {
        // A view: no copy of the kept storage.
        NDArray part = reference.get(new NDIndex(from + ":" + to));
        part.attach(manager);
        return part;
    }

    @Override
    public boolean restoresInPlace() {
        return true;
    }

    @Override
    public int samples() {
        return PackedLayout.samples(reference.getShape());
    }

    @Override
    public long storedBytes() {
        return reference.size() * reference.getDataType().getNumOfBytes();
    }

    @Override
    public double bitsPerElement() {
        return reference.getDataType().getNumOfBytes() * 8.0;
    }

    @Override
    public void close() {
        reference.close();
    }
}
