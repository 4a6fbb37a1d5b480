package ai.actnn.quant.cpu;

import ai.actnn.quant.MaskCodec;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The 1-bit masks of {@code docs/format.md}: element {@code i} is bit {@code i mod 8} of byte
 * {@code i / 8}. Ranges of mask bytes are independent, so they run on several threads; within a
 * range, elements are handled in blocks, tested and applied by the group kernel (vectorised where
 * the Vector API is available). FP32 tensors, ReLU's and its gradient's, are read and written in
 * place; other tests copy a block into plain arrays, write one flag per byte and pack eight flags
 * per multiplication.
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

    /** Writes the mask bits of a block of elements. */
    @FunctionalInterface
    interface Bits {
        /**
         * Writes the bits of elements {@code [first, first + length)}.
         *
         * @param first the first element's index, a multiple of 8
         * @param length at most {@link #BLOCK}
         * @param scratch the calling thread's scratch: the bits go to {@code scratch.packed} from
         *     0, {@code ceil(length / 8)} bytes, bits past {@code length} 0
         */
        void write(int first, int length, Scratch scratch);
    }

    /**
     * Returns the bits of a test that writes one flag per byte, packed eight at a time.
     *
     * @param flags the test
     * @param kernel the kernel that packs the flags
     * @return the bits
     */
    static Bits packing(Flags flags, GroupKernel kernel) {
        return (first, length, scratch) -> {
            flags.test(first, length, scratch);
            kernel.pack(scratch.codes, (length + 31) & -32, 1, scratch.packed);
        };
    }

    /**
     * Returns the bits of the test {@code x > 0} over a tensor's elements (false for NaN).
     *
     * @param x the elements
     * @param kernel the kernel that tests them
     * @return the bits
     */
    static Bits positive(Elements x, GroupKernel kernel) {
        ByteBuffer fp32 = x.fp32();
        if (fp32 != null) {
            return (first, length, scratch) -> kernel.positiveBits(fp32, first, length, scratch.packed);
        }
        return packing((first, length, scratch) -> {
            x.read(first, scratch.values, length, scratch);
            kernel.positiveFlags(scratch.values, length, scratch.codes);
        }, kernel);
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
     * Writes the bits of {@code numel} elements into mask bytes.
     *
     * @param bits the bits of each block
     * @param numel the number of elements
     * @param out the mask bytes, {@code ceil(numel / 8)}
     * @param parallel the threads to use
     */
    static void pack(Bits bits, int numel, ByteBuffer out, Parallel parallel) {
        int bytes = (numel + 7) / 8;
        parallel.run(bytes, 8, (from, to) -> {
            Scratch scratch = Scratch.forThread(BLOCK);
            long end = Math.min(to * 8L, numel);
            for (int start = from * 8; start < end; start += BLOCK) {
                int length = (int) Math.min(BLOCK, end - start);
                bits.write(start, length, scratch);
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
            ByteBuffer in32 = grad.fp32();
            ByteBuffer out32 = out.fp32();
            long end = Math.min(to * 8L, numel);
            for (int start = from * 8; start < end; start += BLOCK) {
                int length = (int) Math.min(BLOCK, end - start);
                mask.get(start / 8, packed, 0, (length + 7) / 8);
                if (in32 != null && out32 != null) {
                    kernel.keepMasked(in32, out32, start, length, packed, scale);
                } else {
                    grad.read(start, v, length, scratch);
                    kernel.keepMasked(v, length, packed, scale);
                    out.write(start, v, length, scratch);
                }
            }
        });
    }
}
