package ai.actnn.quant.cpu;

import ai.actnn.quant.MetadataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;

/**
 * Step 6 of "Quantization of one group" ({@code docs/format.md}): {@code x' = lo + q * step} for
 * every real element, from the packed bytes. Non-finite groups need no special case: their NaN
 * record makes every element NaN.
 */
final class Decoder implements Parallel.Body {

    private final ByteBuffer packed;
    private final IntBuffer packedInts;
    private final Layout layout;
    private final GroupKernel kernel;
    private final Elements output;

    /**
     * Prepares the decoding of one packed tensor.
     *
     * @param packed its bytes, position 0
     * @param layout its layout
     * @param kernel the arithmetic
     * @param output the elements of the result
     */
    Decoder(ByteBuffer packed, Layout layout, GroupKernel kernel, Elements output) {
        this.packed = packed;
        this.packedInts = packed.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        this.layout = layout;
        this.kernel = kernel;
        this.output = output;
    }

    /** {@inheritDoc} */
    @Override
    public void run(int from, int to) {
        Geometry geometry = layout.geometry();
        Scratch scratch = Scratch.forThread(geometry.groupSize);
        boolean fp16 = layout.metadataType() == MetadataType.FP16;
        int recordInts = layout.recordInts();
        int[] records = new int[(to - from) * recordInts];
        packedInts.get(layout.metadataOffset() / 4 + from * recordInts, records);
        GroupCursor at = new GroupCursor(geometry, from);
        for (int g = from; g < to; g++, at.next()) {
            int b = layout.bitsOf(at);
            int r = (g - from) * recordInts;
            float lo;
            float step;
            if (fp16) {
                lo = Records.fp16Low(records[r]);
                step = Records.fp16Step(records[r]);
            } else {
                lo = Float.intBitsToFloat(records[r]);
                step = Float.intBitsToFloat(records[r + 1]);
            }
            int length = at.length();
            packed.get(layout.payloadOffset(at), scratch.packed, 0, (length * b + 7) / 8);
            kernel.decode(scratch.packed, length, b, lo, step, scratch.values);
            output.write(at.firstElement(), scratch.values, length, scratch);
        }
    }
}
