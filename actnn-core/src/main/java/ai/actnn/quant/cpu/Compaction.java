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
     * @return false if an element where the mask is clear is not zero (the result is then
     *     incomplete and must be discarded)
     */
    static boolean compact(
            ByteBuffer mask, Elements x, int samples, long features, int width, Elements out, Parallel parallel) {
        AtomicBoolean exact = new AtomicBoolean(true);
        parallel.run(samples, features, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            float[] in = scratch.values;
            float[] kept = scratch.random;
            for (int n = from; n < to && exact.get(); n++) {
                long base = n * features;
                long row = (long) n * width;
                int filled = 0;
                int pending = 0;
                for (long start = 0; start < features; start += BLOCK) {
                    int length = (int) Math.min(BLOCK, features - start);
                    x.read(base + start, in, length, scratch);
                    for (int i = 0; i < length; i++) {
                        if (bit(mask, base + start + i)) {
                            kept[pending++] = in[i];
                            if (pending == BLOCK) {
                                out.write(row + filled, kept, pending, scratch);
                                filled += pending;
                                pending = 0;
                            }
                        } else if (in[i] != 0f) {
                            // also NaN: a value the mask calls zero is not, so nothing may be dropped
                            exact.set(false);
                            return;
                        }
                    }
                }
                out.write(row + filled, kept, pending, scratch);
                filled += pending;
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
            for (int r = from; r < to; r++) {
                long base = (long) (first + r) * features;
                long row = (long) r * width;
                int read = 0;
                int available = 0;
                int next = 0;
                for (long start = 0; start < features; start += BLOCK) {
                    int length = (int) Math.min(BLOCK, features - start);
                    for (int i = 0; i < length; i++) {
                        if (bit(mask, base + start + i)) {
                            if (next == available) {
                                available = Math.min(BLOCK, width - read);
                                if (available == 0) {
                                    throw new IllegalArgumentException(
                                            "sample " + (first + r) + " has more set mask bits than the"
                                                    + " compacted row's width " + width);
                                }
                                compact.read(row + read, values, available, scratch);
                                read += available;
                                next = 0;
                            }
                            dense[i] = values[next++];
                        } else {
                            dense[i] = 0f;
                        }
                    }
                    out.write((long) r * features + start, dense, length, scratch);
                }
            }
        });
    }
}
