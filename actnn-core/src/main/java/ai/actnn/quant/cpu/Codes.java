package ai.actnn.quant.cpu;

import ai.actnn.quant.Half;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The CPU work of {@link ai.actnn.quant.CodeKernels}: blocks of elements are read into a float
 * array, coded or multiplied there and written back, split over the threads by whole bytes of
 * codes.
 */
final class Codes {

    /** Elements per block: a multiple of 8, so every block starts on a byte of codes. */
    private static final int BLOCK = 4096;

    private Codes() {}

    /**
     * Packs the codes of {@code numel} elements.
     *
     * @param x the elements
     * @param fp16 whether they are halves (the scaled value and the boundaries are then rounded to
     *     half, as PyTorch computes them)
     * @param numel the number of elements
     * @param boundaries ascending boundaries
     * @param scale applied first unless 1
     * @param bits 1, 2, 4 or 8
     * @param out receives {@code ceil(numel / (8 / bits))} bytes
     * @param parallel the threads
     */
    static void pack(Elements x, boolean fp16, int numel, float[] boundaries, float scale, int bits,
            ByteBuffer out, Parallel parallel) {
        int per = 8 / bits;
        int perShift = Integer.numberOfTrailingZeros(per);
        float[] bounds = fp16 ? roundToHalf(boundaries) : boundaries.clone();
        forEachBlock(numel, per, parallel, (start, length, v, packed, scratch) -> {
            int packedLength = (length + per - 1) / per;
            x.read(start, v, length, scratch);
            Arrays.fill(packed, 0, packedLength, (byte) 0);
            for (int i = 0; i < length; i++) {
                float u = v[i];
                if (scale != 1f) {
                    u *= scale;
                    if (fp16) {
                        u = Half.toFloat(Half.fromFloat(u));
                    }
                }
                // torch.bucketize's lower bound: the count of boundaries not >= u, which is
                // the count below u, and for NaN (never >= ) all of them
                int code = 0;
                for (float b : bounds) {
                    code += b >= u ? 0 : 1;
                }
                packed[i >>> perShift] |= (byte) (code << ((i & (per - 1)) * bits));
            }
            out.put((int) (start / per), packed, 0, packedLength);
        });
    }

    /**
     * Writes {@code grad * values[code]} for {@code numel} elements.
     *
     * @param packed the codes
     * @param grad the gradient
     * @param fp16 whether the gradient is in halves (the values are then rounded to half)
     * @param out receives the products
     * @param numel the number of elements
     * @param values the value of each code
     * @param bits the bits per code
     * @param parallel the threads
     */
    static void apply(ByteBuffer packed, Elements grad, boolean fp16, Elements out, int numel, float[] values,
            int bits, Parallel parallel) {
        int per = 8 / bits;
        int perShift = Integer.numberOfTrailingZeros(per);
        int mask = (1 << bits) - 1;
        float[] table = new float[1 << bits];
        float[] typed = fp16 ? roundToHalf(values) : values;
        System.arraycopy(typed, 0, table, 0, Math.min(typed.length, table.length));
        forEachBlock(numel, per, parallel, (start, length, v, codes, scratch) -> {
            packed.get((int) (start / per), codes, 0, (length + per - 1) / per);
            grad.read(start, v, length, scratch);
            for (int i = 0; i < length; i++) {
                v[i] *= table[(codes[i >>> perShift] >>> ((i & (per - 1)) * bits)) & mask];
            }
            out.write(start, v, length, scratch);
        });
    }

    /** The work on one block of elements, with the thread's working arrays. */
    @FunctionalInterface
    private interface BlockBody {
        void run(long start, int length, float[] values, byte[] codes, Scratch scratch);
    }

    /**
     * Runs {@code body} over blocks of at most {@link #BLOCK} elements, split over the threads by
     * whole bytes of codes ({@code per} elements each), with working arrays per thread.
     */
    private static void forEachBlock(int numel, int per, Parallel parallel, BlockBody body) {
        parallel.run((numel + per - 1) / per, per, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            byte[] codes = new byte[BLOCK / per];
            long end = Math.min((long) to * per, numel);
            for (long start = (long) from * per; start < end; start += BLOCK) {
                body.run(start, (int) Math.min(BLOCK, end - start), scratch.values, codes, scratch);
            }
        });
    }

    private static float[] roundToHalf(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Half.toFloat(Half.fromFloat(values[i]));
        }
        return out;
    }
}
