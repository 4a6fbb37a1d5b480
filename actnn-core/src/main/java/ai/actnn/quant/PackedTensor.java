package ai.actnn.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A quantized tensor in the packed format of {@code docs/format.md}: the header (shape, data type,
 * group size, bits per sample, metadata type, random key) as Java fields and the bytes (payload
 * then per-group metadata) in one {@link DataType#UINT8} array on the tensor's device.
 *
 * <p>Closing a packed tensor frees its bytes at once.
 */
public final class PackedTensor implements AutoCloseable {

    private final Shape shape;
    private final DataType dataType;
    private final int groupSize;
    private final byte[] bits;
    private final MetadataType metadataType;
    private final long key;
    private final boolean stochastic;
    private final NDArray storage;
    private final long[] sampleOffsets;

    /**
     * Creates a packed tensor over existing bytes; backends call this after packing.
     *
     * @param shape the shape of the original tensor
     * @param dataType its data type (FLOAT32 or FLOAT16)
     * @param groupSize the group size
     * @param bits bits per sample (taken over, not copied)
     * @param metadataType the metadata type
     * @param key the key of the random stream used
     * @param stochastic whether rounding was stochastic
     * @param storage the bytes: a 1-D UINT8 array of exactly {@link #expectedBytes} bytes
     */
    public PackedTensor(
            Shape shape,
            DataType dataType,
            int groupSize,
            byte[] bits,
            MetadataType metadataType,
            long key,
            boolean stochastic,
            NDArray storage) {
        this.shape = shape;
        this.dataType = dataType;
        this.groupSize = groupSize;
        this.bits = bits;
        this.metadataType = metadataType;
        this.key = key;
        this.stochastic = stochastic;
        this.storage = storage;
        this.sampleOffsets = PackedLayout.sampleOffsets(shape, groupSize, bits);
        long expected = expectedBytes(shape, groupSize, bits, metadataType);
        if (storage.getDataType() != DataType.UINT8 || storage.size() != expected) {
            throw new IllegalArgumentException(
                    "packed storage must be "
                            + expected
                            + " UINT8 bytes, got "
                            + storage.size()
                            + " "
                            + storage.getDataType());
        }
    }

    /**
     * Returns the number of bytes a packed tensor of this description occupies.
     *
     * @param shape the shape of the original tensor
     * @param groupSize the group size
     * @param bits bits per sample
     * @param metadataType the metadata type
     * @return payload plus metadata bytes
     */
    public static long expectedBytes(
            Shape shape, int groupSize, byte[] bits, MetadataType metadataType) {
        long[] offsets = PackedLayout.sampleOffsets(shape, groupSize, bits);
        long groups = (long) PackedLayout.samples(shape) * PackedLayout.groupsPerSample(shape, groupSize);
        return offsets[offsets.length - 1] + groups * metadataType.recordBytes();
    }

    /**
     * Returns the shape of the original tensor.
     *
     * @return the shape
     */
    public Shape getShape() {
        return shape;
    }

    /**
     * Returns the data type of the original tensor.
     *
     * @return FLOAT32 or FLOAT16
     */
    public DataType getDataType() {
        return dataType;
    }

    /**
     * Returns the group size.
     *
     * @return the group size
     */
    public int getGroupSize() {
        return groupSize;
    }

    /**
     * Returns the bits of one sample.
     *
     * @param sample the sample index
     * @return 1 to 8
     */
    public int getBits(int sample) {
        return bits[sample];
    }

    /**
     * Returns a copy of the bits of every sample.
     *
     * @return the bits per sample
     */
    public byte[] getBits() {
        return bits.clone();
    }

    /**
     * Returns the metadata type.
     *
     * @return FP16 or FP32
     */
    public MetadataType getMetadataType() {
        return metadataType;
    }

    /**
     * Returns the key of the random stream used for rounding.
     *
     * @return the key
     */
    public long getKey() {
        return key;
    }

    /**
     * Returns whether rounding was stochastic.
     *
     * @return the flag
     */
    public boolean isStochastic() {
        return stochastic;
    }

    /**
     * Returns the bytes: a 1-D UINT8 array, payload then metadata.
     *
     * @return the storage array (owned by this packed tensor)
     */
    public NDArray getStorage() {
        return storage;
    }

    /**
     * Returns the device that holds the bytes.
     *
     * @return the device
     */
    public Device getDevice() {
        return storage.getDevice();
    }

    /**
     * Returns the number of samples.
     *
     * @return the size of the first dimension (1 for a scalar)
     */
    public int samples() {
        return PackedLayout.samples(shape);
    }

    /**
     * Returns the number of features per sample.
     *
     * @return the product of all but the first dimension
     */
    public long featuresPerSample() {
        return PackedLayout.featuresPerSample(shape);
    }

    /**
     * Returns the number of groups per sample.
     *
     * @return {@code ceil(features / groupSize)}
     */
    public long groupsPerSample() {
        return PackedLayout.groupsPerSample(shape, groupSize);
    }

    /**
     * Returns the byte offset of a sample's payload.
     *
     * @param sample the sample index, or {@link #samples()} for the end of the payload
     * @return the offset in bytes
     */
    public long sampleOffset(int sample) {
        return sampleOffsets[sample];
    }

    /**
     * Returns the payload size in bytes (codes only).
     *
     * @return the payload bytes
     */
    public long payloadBytes() {
        return sampleOffsets[sampleOffsets.length - 1];
    }

    /**
     * Returns the metadata size in bytes.
     *
     * @return the metadata bytes
     */
    public long metadataBytes() {
        return byteSize() - payloadBytes();
    }

    /**
     * Returns the total size in bytes.
     *
     * @return payload plus metadata bytes
     */
    public long byteSize() {
        return storage.size();
    }

    /**
     * Returns the average bits per element, metadata included.
     *
     * @return bits per element (0 for an empty tensor)
     */
    public double bitsPerElement() {
        long n = shape.size();
        return n == 0 ? 0 : byteSize() * 8.0 / n;
    }

    /**
     * Returns samples {@code [from, to)} as a packed tensor of their own (a copy of their payload
     * and records, so a backward can restore a large batch chunk by chunk). The random key is
     * kept: dequantization does not use it.
     *
     * @param from the first sample
     * @param to one past the last sample
     * @return the packed samples, owned by the caller, on this tensor's device
     * @throws IllegalArgumentException for a range outside {@code [0, samples()]} or on a scalar
     */
    public PackedTensor slice(int from, int to) {
        int n = samples();
        if (shape.dimension() == 0 || from < 0 || to > n || from > to) {
            throw new IllegalArgumentException(
                    "sample range [" + from + ", " + to + ") is outside [0, " + n + ") of " + shape);
        }
        long groups = groupsPerSample();
        int record = metadataType.recordBytes();
        long payload = payloadBytes();
        NDArray codes = storage.get(sampleOffsets[from] + ":" + sampleOffsets[to]);
        NDArray records = storage.get((payload + from * groups * record) + ":" + (payload + to * groups * record));
        NDArray bytes = codes.concat(records);
        codes.close();
        records.close();
        long[] dims = shape.getShape().clone();
        dims[0] = to - from;
        byte[] partBits = java.util.Arrays.copyOfRange(bits, from, to);
        return new PackedTensor(new Shape(dims), dataType, groupSize, partBits, metadataType, key, stochastic, bytes);
    }

    /**
     * Returns this packed tensor with its bytes on another device (the header is shared).
     *
     * @param device the target device
     * @return a new packed tensor owning a copy of the bytes, or this one if already there
     */
    public PackedTensor toDevice(Device device) {
        if (device.equals(getDevice())) {
            return this;
        }
        return new PackedTensor(
                shape,
                dataType,
                groupSize,
                bits,
                metadataType,
                key,
                stochastic,
                storage.toDevice(device, true));
    }

    /** Frees the bytes. */
    @Override
    public void close() {
        storage.close();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "PackedTensor{shape="
                + shape
                + ", "
                + dataType
                + ", groupSize="
                + groupSize
                + ", meta="
                + metadataType
                + ", bytes="
                + (storage.isReleased() ? "released" : String.valueOf(byteSize()))
                + '}';
    }
}
