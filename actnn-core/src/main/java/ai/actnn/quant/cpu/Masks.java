package ai.actnn.quant.cpu;

import ai.actnn.quant.MaskCodec;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The 1-bit masks of {@code docs/format.md}: element {@code i} is bit {@code i mod 8} of byte
 * {@code i / 8}. Ranges of mask bytes are independent, so they run on several threads; within a
 * range, elements are handled in blocks of plain arrays, tested and applied by the group kernel
 * (vectorised where the Vector API is available) and packed eight flags per multiplication.
 */
final class Masks {

    /** Elements per block: a multiple of 8, so every block starts on a mask byte. */
    private static final int BLOCK = 4096;

    private Masks() {}

    /** Tests a block of elements, writing one flag per byte: 1 where the bit is set, else 0. */
    @FunctionalInterface
    interface Flags {
        /**
         * Tests elements {@code [first, first + length)}.
         *
         * @param first the first element's index
         * @param length at most {@link #BLOCK}
         * @param scratch the calling thread's scratch: the flags go to {@code scratch.codes} from
         *     0, with 0 from {@code length} to the next multiple of 32
         */
        void test(int first, int length, Scratch scratch);
    }

    /**
     * Returns the test {@code x > 0} over a tensor's elements (false for NaN).
     *
     * @param x the elements
     * @param kernel the kernel that tests them
     * @return the test
     */
    static Flags positive(Elements x, GroupKernel kernel) {
        return (first, length, scratch) -> {
            x.read(first, scratch.values, length, scratch);
            kernel.positiveFlags(scratch.values, length, scratch.codes);
        };
    }

    /**
     * Returns the test "inside the range" over a tensor's elements (false for NaN).
     *
     * @param x the elements
     * @param range the range
     * @return the test
     */
    static Flags inRange(Elements x, MaskCodec.Range range) {
        return (first, length, scratch) -> {
            float[] v = scratch.values;
            x.read(first, v, length, scratch);
            byte[] flags = scratch.codes;
            for (int i = 0; i < length; i++) {
                flags[i] = (byte) (range.contains(v[i]) ? 1 : 0);
            }
            Arrays.fill(flags, length, (length + 31) & -32, (byte) 0);
        };
    }

    /**
     * Packs the flags of {@code numel} elements into mask bytes.
     *
     * @param flags the test
     * @param numel the number of elements
     * @param out the mask bytes, {@code ceil(numel / 8)}
     * @param kernel the kernel that packs the flags
     * @param parallel the threads to use
     */
    static void pack(Flags flags, int numel, ByteBuffer out, GroupKernel kernel, Parallel parallel) {
        int bytes = (numel + 7) / 8;
        parallel.run(bytes, 8, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            long end = Math.min(to * 8L, numel);
            for (int start = from * 8; start < end; start += BLOCK) {
                int length = (int) Math.min(BLOCK, end - start);
                flags.test(start, length, scratch);
                kernel.pack(scratch.codes, (length + 31) & -32, 1, scratch.packed);
                out.put(start / 8, scratch.packed, 0, (length + 7) / 8);
            }
        });
    }

    /**
     * Writes {@code grad * scale} where the mask is set and exactly 0 elsewhere (like PyTorch's
     * {@code threshold_backward}: a NaN gradient of a dropped element does not leak through).
     *
     * @param mask the mask bytes
     * @param grad the gradient's elements
     * @param out the result's elements (same type as the gradient)
     * @param numel the number of elements
     * @param scale the factor where the mask is set
     * @param parallel the threads to use
     */
    static void apply(
            ByteBuffer mask, Elements grad, Elements out, int numel, float scale, GroupKernel kernel, Parallel parallel) {
        int bytes = (numel + 7) / 8;
        parallel.run(bytes, 8, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            byte[] packed = scratch.packed;
            float[] v = scratch.values;
            long end = Math.min(to * 8L, numel);
            for (int start = from * 8; start < end; start += BLOCK) {
                int length = (int) Math.min(BLOCK, end - start);
                mask.get(start / 8, packed, 0, (length + 7) / 8);
                grad.read(start, v, length, scratch);
                kernel.keepMasked(v, length, packed, scale);
                out.write(start, v, length, scratch);
            }
        });
    }
}
