package ai.actnn.quant.cpu;

import ai.actnn.quant.MetadataType;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.types.Shape;

/**
 * The byte layout of one packed tensor: where its groups' codes and records go.
 *
 * @param geometry where the groups lie
 * @param bits the bits of every sample
 * @param sampleOffsets the payload offset of every sample, plus the payload's end
 * @param metadataType the metadata type
 */
record Layout(Geometry geometry, byte[] bits, long[] sampleOffsets, MetadataType metadataType) {

    /**
     * Creates the layout of a tensor.
     *
     * @param shape the tensor's shape
     * @param geometry where its groups lie
     * @param bits the bits of every sample
     * @param metadataType the metadata type
     * @return the layout
     */
    static Layout of(Shape shape, Geometry geometry, byte[] bits, MetadataType metadataType) {
        return new Layout(
                geometry, bits, PackedLayout.sampleOffsets(shape, geometry.groupSize, bits), metadataType);
    }

    /**
     * Returns the bits of a group's sample.
     *
     * @param group the group
     * @return the bits
     */
    int bitsOf(int group) {
        return bits[geometry.sample(group)];
    }

    /**
     * Returns the byte offset of a group's codes.
     *
     * @param group the group
     * @return the offset
     */
    int payloadOffset(int group) {
        return (int) geometry.payloadOffset(group, sampleOffsets, bitsOf(group));
    }

    /**
     * Returns the byte offset of the metadata section.
     *
     * @return the payload size
     */
    int metadataOffset() {
        return (int) sampleOffsets[sampleOffsets.length - 1];
    }

    /**
     * Returns the size of a record in 32-bit words.
     *
     * @return 1 for FP16, 2 for FP32
     */
    int recordInts() {
        return metadataType.recordBytes() / 4;
    }
}
