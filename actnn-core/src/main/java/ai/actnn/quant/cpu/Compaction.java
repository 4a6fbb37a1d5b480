package ai.actnn.quant.cpu;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The kernels of {@link ai.actnn.quant.MaskedCompaction}: each sample's elements whose mask bit
 * is set, moved to the front of a row of width {@code W}, and back. Element {@code e} of the
 * tensor has bit {@code e mod 8} of mask byte {@code e / 8}; samples start anywhere in a byte.
 * Samples are independent, so ranges of samples run on several threads.
 */
final class Compaction {

    /** Elements read or written at a time. */
    private static final int BLOCK = 4096;

    private Compaction() {}

    private static boolean bit(ByteBuffer mask, long element) {
        return (mask.get((int) (element >>> 3)) >> (int) (element & 7) & 1) != 0;
    }

    /**
     * Returns the largest count of set bits of any sample.
     *
     * @param mask the mask bytes
     * @param samples the samples
     * @param features the elements per sample
     * @param parallel the threads to use
     * @return the count, 0 if no bit is set
     */
    static int widest(ByteBuffer mask, int samples, long features, Parallel parallel) {
        int[] counts = new int[samples];
        parallel.run(samples, features, (from, to) -> {
            for (int n = from; n < to; n++) {
                counts[n] = Math.toIntExact(setBits(mask, n * features, (n + 1) * features));
            }
        });
        int widest = 0;
        for (int c : counts) {
            widest = Math.max(widest, c);
        }
        return widest;
    }

    /** Counts the set bits of elements {@code [from, to)}: whole bytes by population count. */
    private static long setBits(ByteBuffer mask, long from, long to) {
        long count = 0;
        long e = from;
        for (; e < to && (e & 7) != 0; e++) {
            count += bit(mask, e) ? 1 : 0;
        }
        for (; e + 8 <= to; e += 8) {
            count += Integer.bitCount(mask.get((int) (e >>> 3)) & 0xff);
        }
        for (; e < to; e++) {
            count += bit(mask, e) ? 1 : 0;
        }
        return count;
    }

    /**
     * Writes each sample's selected elements to the front of its row and zeros after them.
     *
     * @param mask the mask bytes
     * @param x the tensor's elements
     * @param samples the samples
     * @param features the elements per sample
     * @param width the row width, at least every sample's count of set bits
     * @param out the {@code samples * width} elements of the result
     * @param parallel the threads to use
     * @return false if the mask is not exactly {@code x > 0} (or some element is neither
     *     positive nor zero): the result is then incomplete and must be discarded
     */
    static boolean compact(
            ByteBuffer mask, Elements x, int samples, long features, int width, Elements out, Parallel parallel) {
        AtomicBoolean exact = new AtomicBoolean(true);
        parallel.run(samples, features, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            float[] in = scratch.values;
            float[] kept = scratch.random;
            byte[] bits = scratch.packed;
            for (int n = from; n < to && exact.get(); n++) {
                long base = n * features;
                long row = (long) n * width;
                int filled = 0;
                boolean bad = false;
                for (long start = 0; start < features; start += BLOCK) {
                    int length = (int) Math.min(BLOCK, features - start);
                    x.read(base + start, in, length, scratch);
                    int shift = maskBits(mask, base + start, length, bits);
                    int pending = 0;
                    // Branch-free: half of a ReLU output's bits are set, in no order a branch predictor
                    // could learn. Every value is stored and the cursor moves by the bit.
                    for (int i = 0; i < length; i++) {
                        int j = i + shift;
                        int set = bits[j >>> 3] >> (j & 7) & 1;
                        float v = in[i];
                        boolean positive = v > 0f;
                        boolean zero = (Float.floatToRawIntBits(v) & 0x7fffffff) == 0;
                        // the mask must be x > 0 exactly: set where positive, clear where zero
                        bad |= positive ^ (set == 1) | (set == 0) & !zero;
                        kept[pending] = v;
                        pending += set;
                    }
                    if (bad) {
                        exact.set(false);
                        return;
                    }
                    out.write(row + filled, kept, pending, scratch);
                    filled += pending;
                }
                java.util.Arrays.fill(kept, 0, Math.min(BLOCK, width - filled), 0f);
                while (filled < width) {
                    int length = Math.min(BLOCK, width - filled);
                    out.write(row + filled, kept, length, scratch);
                    filled += length;
                }
            }
        });
        return exact.get();
    }

    /**
     * Copies the mask bytes that hold elements {@code [first, first + length)} to {@code bits}
     * from 0, and returns the bit of element {@code first} in the first byte.
     */
    private static int maskBits(ByteBuffer mask, long first, int length, byte[] bits) {
        int shift = (int) (first & 7);
        mask.get((int) (first >>> 3), bits, 0, (shift + length + 7) >>> 3);
        return shift;
    }

    /**
     * Writes each row's values back to the positions of its sample's set bits, and exact zeros
     * everywhere else.
     *
     * @param mask the mask bytes of the whole tensor
     * @param first the sample of the first row
     * @param compact the rows' elements, {@code rows * width}
     * @param rows the rows
     * @param features the elements per sample
     * @param width the row width
     * @param out the {@code rows * features} elements of the result
     * @param parallel the threads to use
     */
    static void expand(
            ByteBuffer mask, int first, Elements compact, int rows, long features, int width, Elements out,
            Parallel parallel) {
        parallel.run(rows, features, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            float[] values = scratch.random;
            float[] dense = scratch.values;
            byte[] bits = scratch.packed;
            for (int r = from; r < to; r++) {
                long base = (long) (first + r) * features;
                long row = (long) r * width;
                int consumed = 0;
                int available = 0;
                int next = 0;
                for (long start = 0; start < features; start += BLOCK) {
                    int length = (int) Math.min(BLOCK, features - start);
                    int shift = maskBits(mask, base + start, length, bits);
                    for (int i = 0; i < length; i++) {
                        int j = i + shift;
                        int set = bits[j >>> 3] >> (j & 7) & 1;
                        if (next == available && set == 1) {
                            consumed += available;
                            available = Math.min(BLOCK, width - consumed);
                            if (available == 0) {
                                throw new IllegalArgumentException(
                                        "sample " + (first + r) + " has more set mask bits than the"
                                                + " compacted row's width " + width);
                            }
                            compact.read(row + consumed, values, available, scratch);
                            next = 0;
                        }
                        // branch-free, as in compact: +0 where the bit is clear
                        dense[i] = Float.intBitsToFloat(Float.floatToRawIntBits(values[next]) & -set);
                        next += set;
                    }
                    out.write((long) r * features + start, dense, length, scratch);
                }
            }
        });
    }

    /**
     * Writes, for every group of the original tensor, the widest range among the row groups that
     * hold its set elements, with the slack of the row group's FP16 record ({@code 2^-10 |min|},
     * as the policies' error model adds it to a range), rounded up to a float; 0 for a group
     * without set elements, NaN where such a row group is not finite.
     *
     * @param mask the mask bytes
     * @param features the elements per sample of the original tensor
     * @param geometry the original tensor's groups
     * @param rowMins the row groups' minima
     * @param rowMaxs the row groups' maxima
     * @param rows the rows' groups
     * @param out one range per original group
     * @param parallel the threads to use
     */
    static void boundingRanges(ByteBuffer mask, long features, Geometry geometry, float[] rowMins, float[] rowMaxs,
            Geometry rows, float[] out, Parallel parallel) {
        int groupSize = geometry.groupSize;
        parallel.run(geometry.samples, features, (from, to) -> {
            for (int n = from; n < to; n++) {
                long position = 0;
                for (int k = 0; k < geometry.groupsPerSample; k++) {
                    long start = n * features + (long) k * groupSize;
                    long end = n * features + Math.min(features, (long) (k + 1) * groupSize);
                    long count = setBits(mask, start, end);
                    double widest = 0;
                    if (count > 0) {
                        long first = position / rows.groupSize;
                        long last = (position + count - 1) / rows.groupSize;
                        for (long j = first; j <= last; j++) {
                            int g = (int) (n * (long) rows.groupsPerSample + j);
                            double range = (double) rowMaxs[g] - rowMins[g] + 0x1p-10 * Math.abs(rowMins[g]);
                            widest = Double.isNaN(range) || Double.isNaN(widest) ? Double.NaN : Math.max(widest, range);
                        }
                    }
                    float rounded = (float) widest;
                    out[n * geometry.groupsPerSample + k] = rounded < widest ? Math.nextUp(rounded) : rounded;
                    position += count;
                }
            }
        });
    }
}
