package ai.actnn.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * One bit per element of a tensor (ReLU's {@code x > 0}, dropout's keep mask), packed least
 * significant bit first ({@code docs/format.md}). Closing it frees the bytes.
 */
public final class PackedMask implements AutoCloseable {

    private final Shape shape;
    private final NDArray storage;

    /**
     * Creates a mask over existing bytes; backends call this after packing.
     *
     * @param shape the shape of the masked tensor
     * @param storage a 1-D UINT8 array of {@code ceil(numel / 8)} bytes
     */
    public PackedMask(Shape shape, NDArray storage) {
        long expected = bytesFor(shape);
        if (storage.getDataType() != DataType.UINT8 || storage.size() != expected) {
            throw new IllegalArgumentException(
                    "mask storage must be " + expected + " UINT8 bytes, got " + storage.size());
        }
        this.shape = shape;
        this.storage = storage;
    }

    /**
     * Returns the number of bytes of a mask for a tensor of this shape.
     *
     * @param shape the tensor's shape
     * @return {@code ceil(numel / 8)}
     */
    public static long bytesFor(Shape shape) {
        return (shape.size() + 7) / 8;
    }

    /**
     * Returns the shape of the masked tensor.
     *
     * @return the shape
     */
    public Shape getShape() {
        return shape;
    }

    /**
     * Returns the bytes.
     *
     * @return a 1-D UINT8 array owned by this mask
     */
    public NDArray getStorage() {
        return storage;
    }

    /**
     * Returns the device holding the bytes.
     *
     * @return the device
     */
    public Device getDevice() {
        return storage.getDevice();
    }

    /**
     * Returns the size in bytes.
     *
     * @return the bytes
     */
    public long byteSize() {
        return storage.size();
    }

    /**
     * Returns this mask with its bytes on another device.
     *
     * @param device the target device
     * @return a new mask owning a copy, or this one if already there
     */
    public PackedMask toDevice(Device device) {
        return device.equals(getDevice()) ? this : new PackedMask(shape, storage.toDevice(device, true));
    }

    /** Frees the bytes. */
    @Override
    public void close() {
        storage.close();
    }
}
