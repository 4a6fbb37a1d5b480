package ai.actnn.quant.cpu;

import ai.actnn.quant.MetadataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Steps 3 to 5 of "Quantization of one group" ({@code docs/format.md}) and the byte layout: each
 * group's record, its codes packed least significant bit first, and the record in the metadata
 * section. Every group's bytes depend on that group alone, so ranges of groups can be encoded by
 * any number of threads.
 *
 * <p>In the fused mode the encoder also computes each group's minimum and maximum while the
 * group's elements are in cache, betting on FP16 metadata (the usual case). The first ineligible
 * group ends the bet: the encoder stops and {@link #betLost()} tells the caller to analyze and
 * encode again with FP32 records.
 */
final class Encoder implements Parallel.Body {

    private final Elements input;
    private final Layout layout;
    private final GroupKernel kernel;
    private final float[] mins;
    private final float[] maxs;
    private final boolean fused;
    private final long key;
    private final boolean stochastic;
    private final ByteBuffer out;
    private final IntBuffer outInts;
    private final AtomicBoolean betLost = new AtomicBoolean();

    /**
     * Prepares the encoding of one tensor.
     *
     * @param input the tensor's elements
     * @param layout the packed layout (FP16 metadata in the fused mode)
     * @param kernel the arithmetic
     * @param mins the group minima (NaN for non-finite groups); written in the fused mode
     * @param maxs the group maxima; written in the fused mode
     * @param fused whether to compute the minima and maxima here
     * @param key the key of the random stream
     * @param stochastic stochastic or nearest rounding
     * @param out the packed bytes (payload then metadata), position 0
     */
    Encoder(
            Elements input,
            Layout layout,
            GroupKernel kernel,
            float[] mins,
            float[] maxs,
            boolean fused,
            long key,
            boolean stochastic,
            ByteBuffer out) {
        if (fused && layout.metadataType() != MetadataType.FP16) {
            throw new IllegalArgumentException("the fused mode bets on FP16 metadata");
        }
        this.input = input;
        this.layout = layout;
        this.kernel = kernel;
        this.mins = mins;
        this.maxs = maxs;
        this.fused = fused;
        this.key = key;
        this.stochastic = stochastic;
        this.out = out;
        this.outInts = out.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    }

    /**
     * Chooses the metadata type of a tensor: FP16 when every finite group is eligible for it.
     *
     * @param layout the layout (its metadata type is ignored)
     * @param mins the group minima (NaN for non-finite groups)
     * @param maxs the group maxima
     * @param parallel the threads to use
     * @return FP16 or FP32
     */
    static MetadataType chooseMetadata(Layout layout, float[] mins, float[] maxs, Parallel parallel) {
        AtomicBoolean ineligible = new AtomicBoolean();
        // a record costs about as much as a few dozen elements
        parallel.run(layout.geometry().groups, 32, (from, to) -> {
            GroupCursor at = new GroupCursor(layout.geometry(), from);
            for (int g = from; g < to && !ineligible.get(); g++, at.next()) {
                if (!Float.isNaN(mins[g]) && !fp16Eligible(mins[g], maxs[g], levels(layout.bitsOf(at)))) {
                    ineligible.set(true);
                }
            }
        });
        return ineligible.get() ? MetadataType.FP32 : MetadataType.FP16;
    }

    /**
     * Returns whether the fused mode met a group that FP16 metadata cannot represent; the bytes
     * written are then incomplete.
     *
     * @return whether the FP16 bet was lost
     */
    boolean betLost() {
        return betLost.get();
    }

    /** {@inheritDoc} */
    @Override
    public void run(int from, int to) {
        Geometry geometry = layout.geometry();
        Scratch scratch = Scratch.forThread(geometry.groupSize);
        boolean fp16 = layout.metadataType() == MetadataType.FP16;
        int recordInts = layout.recordInts();
        int[] records = new int[(to - from) * recordInts];
        GroupCursor at = new GroupCursor(geometry, from);
        for (int g = from; g < to; g++, at.next()) {
            if (fused && betLost.get()) {
                return;
            }
            int b = layout.bitsOf(at);
            int levels = levels(b);
            int length = at.length();
            long first = at.firstElement();
            int r = (g - from) * recordInts;
            boolean finite;
            if (fused) {
                input.read(first, scratch.values, length, scratch);
                finite = Analyzer.analyze(kernel, scratch.values, length, scratch.minMax, mins, maxs, g);
            } else {
                finite = !Float.isNaN(mins[g]);
            }
            int bytes = geometry.groupSize / 8 * b;
            if (!finite) {
                Arrays.fill(scratch.packed, 0, bytes, (byte) 0);
                Arrays.fill(records, r, r + recordInts, fp16 ? Records.NAN_FP16 : Records.NAN_FP32);
            } else {
                float mn = mins[g];
                float mx = maxs[g];
                float lo;
                float step;
                if (fp16) {
                    int record = Records.fp16(mn, mx, levels);
                    if (fused && !Records.fp16Eligible(record, mn, mx, levels)) {
                        betLost.set(true);
                        return;
                    }
                    records[r] = record;
                    lo = Records.fp16Low(record);
                    step = Records.fp16Step(record);
                } else {
                    lo = mn;
                    step = Records.fp32Step(mn, mx, levels);
                    records[r] = Float.floatToRawIntBits(lo);
                    records[r + 1] = Float.floatToRawIntBits(step);
                }
                if (!fused) {
                    input.read(first, scratch.values, length, scratch);
                }
                float inv = step == 0f ? 0f : 1f / step;
                kernel.encode(scratch.values, length, lo, inv, levels, first, key, stochastic, scratch);
                kernel.pack(scratch.codes, geometry.groupSize, b, scratch.packed);
            }
            out.put(layout.payloadOffset(at), scratch.packed, 0, bytes);
        }
        outInts.put(layout.metadataOffset() / 4 + from * recordInts, records);
    }

    private static boolean fp16Eligible(float mn, float mx, int levels) {
        return Records.fp16Eligible(Records.fp16(mn, mx, levels), mn, mx, levels);
    }

    private static int levels(int bits) {
        return (1 << bits) - 1;
    }
}
