package ai.actnn.store;

import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.Quantizer;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** A quantized saved activation: a packed tensor, possibly swapped to host memory (L4/L5). */
final class PackedActivation implements SavedActivation {

    private final PackedTensor packed;
    private final Quantizer backend;
    private final Device device;

    /**
     * Wraps a packed tensor.
     *
     * @param packed the packed tensor (possibly on the host after a swap)
     * @param backend the backend that unpacks it on {@code device}
     * @param device the device of the original activation
     */
    PackedActivation(PackedTensor packed, Quantizer backend, Device device) {
        this.packed = packed;
        this.backend = backend;
        this.device = device;
    }

    @Override
    public NDArray restore(NDManager manager) {
        if (packed.getDevice().equals(device)) {
            return backend.dequantize(packed, manager);
        }
        try (PackedTensor back = packed.toDevice(device)) {
            return backend.dequantize(back, manager);
        }
    }

    @Override
    public NDArray restore(NDManager manager, int from, int to) {
        try (PackedTensor part = packed.slice(from, to)) {
            if (part.getDevice().equals(device)) {
                return backend.dequantize(part, manager);
            }
            try (PackedTensor back = part.toDevice(device)) {
                return backend.dequantize(back, manager);
            }
        }
    }

    @Override
    public int samples() {
        return packed.samples();
    }

    @Override
    public long storedBytes() {
        return packed.byteSize();
    }

    @Override
    public double bitsPerElement() {
        return packed.bitsPerElement();
    }

    /**
     * Returns the packed tensor.
     *
     * @return the packed tensor
     */
    PackedTensor packed() {
        return packed;
    }

    @Override
    public void close() {
        packed.close();
    }
}
