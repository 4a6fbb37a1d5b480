package ai.actnn.quant;

import ai.djl.ndarray.types.Shape;

/** Sizes and offsets of the packed format ({@code docs/format.md}), shared by every backend. */
public final class PackedLayout {

    private PackedLayout() {}

    /**
     * Returns the number of samples of a tensor: its first dimension, 1 for a scalar.
     *
     * @param shape the tensor's shape
     * @return the number of samples
     * @throws IllegalArgumentException if the first dimension exceeds {@link Integer#MAX_VALUE}
     */
    public static int samples(Shape shape) {
        if (shape.dimension() == 0) {
            return 1;
        }
        long n = shape.get(0);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many samples: " + n);
        }
        return (int) n;
    }

    /**
     * Returns the number of features per sample: the product of all but the first dimension.
     *
     * @param shape the tensor's shape
     * @return the features per sample
     */
    public static long featuresPerSample(Shape shape) {
        return shape.dimension() <= 1 ? 1 : shape.slice(1).size();
    }

    /**
     * Returns the number of groups per sample.
     *
     * @param shape the tensor's shape
     * @param groupSize the group size
     * @return {@code ceil(features / groupSize)}
     */
    public static long groupsPerSample(Shape shape, int groupSize) {
        return (featuresPerSample(shape) + groupSize - 1) / groupSize;
    }

    /**
     * Returns the byte offset of every sample's payload, plus the end of the payload.
     *
     * @param shape the tensor's shape
     * @param groupSize the group size
     * @param bits bits per sample
     * @return {@code samples + 1} offsets
     */
    public static long[] sampleOffsets(Shape shape, int groupSize, byte[] bits) {
        int n = samples(shape);
        if (bits.length != n) {
            throw new IllegalArgumentException(
                    "bits given for " + bits.length + " samples, tensor has " + n);
        }
        long bytesPerBit = groupsPerSample(shape, groupSize) * groupSize / 8;
        long[] offsets = new long[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + bytesPerBit * bits[i];
        }
        return offsets;
    }
}
