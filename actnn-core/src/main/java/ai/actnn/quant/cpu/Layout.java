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
     * Returns the bits per code of the cursor's group.
     *
     * @param at the cursor
     * @return 1 to 8
     */
    int bitsOf(GroupCursor at) {
        return bits[at.sample()];
    }

    /**
     * Returns the byte offset of the cursor's group's codes.
     *
     * @param at the cursor
     * @return the offset
     */
    int payloadOffset(GroupCursor at) {
        int b = bitsOf(at);
        return (int) (sampleOffsets[at.sample()] + at.offsetInSample() / 8 * b);
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
