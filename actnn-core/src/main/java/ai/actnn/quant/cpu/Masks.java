package ai.actnn.quant.cpu;

import ai.actnn.quant.Half;
import ai.actnn.quant.MaskCodec;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;

/**
 * The 1-bit masks of {@code docs/format.md}: element {@code i} is bit {@code i mod 8} of byte
 * {@code i / 8}. Ranges of mask bytes are independent, so they run on several threads; within a
 * range, elements are handled in blocks of plain arrays for fast loops.
 */
final class Masks {

    /** Elements per block: a multiple of 8, so every block starts on a mask byte. */
    private static final int BLOCK = 4096;

    private Masks() {}

    /** Tests a block of elements, writing 1 where the bit is set and 0 elsewhere. */
    @FunctionalInterface
    interface Flags {
        /**
         * Tests elements {@code [first, first + length)}.
         *
         * @param first the first element's index
         * @param length at most {@link #BLOCK}
         * @param flags the destination, from 0
         */
        void test(int first, int length, byte[] flags);
    }

    /**
     * Returns the test {@code x > 0} over a FLOAT32 or FLOAT16 tensor's data (false for NaN).
     *
     * @param data the data, native order
     * @param type FLOAT32 or FLOAT16
     * @return the test
     */
    static Flags positive(ByteBuffer data, DataType type) {
        if (type == DataType.FLOAT16) {
            java.nio.ShortBuffer halves = data.asShortBuffer();
            return (first, length, flags) -> {
                short[] v = new short[length];
                halves.get(first, v, 0, length);
                for (int i = 0; i < length; i++) {
                    // positive, non-NaN halves are exactly the bit patterns 0x0001..0x7C00
                    flags[i] = (byte) (v[i] > 0 && v[i] <= 0x7C00 ? 1 : 0);
                }
            };
        }
        java.nio.FloatBuffer floats = data.asFloatBuffer();
        return (first, length, flags) -> {
            float[] v = new float[length];
            floats.get(first, v, 0, length);
            for (int i = 0; i < length; i++) {
                flags[i] = (byte) (v[i] > 0f ? 1 : 0);
            }
        };
    }

    /**
     * Returns the test "inside the range" over a FLOAT32 or FLOAT16 tensor's data (false for
     * NaN).
     *
     * @param data the data, native order
     * @param type FLOAT32 or FLOAT16
     * @param range the range
     * @return the test
     */
    static Flags inRange(ByteBuffer data, DataType type, MaskCodec.Range range) {
        if (type == DataType.FLOAT16) {
            java.nio.ShortBuffer halves = data.asShortBuffer();
            return (first, length, flags) -> {
                short[] v = new short[length];
                halves.get(first, v, 0, length);
                for (int i = 0; i < length; i++) {
                    flags[i] = (byte) (range.contains(Half.toFloat(v[i])) ? 1 : 0);
                }
            };
        }
        java.nio.FloatBuffer floats = data.asFloatBuffer();
        return (first, length, flags) -> {
            float[] v = new float[length];
            floats.get(first, v, 0, length);
            for (int i = 0; i < length; i++) {
                flags[i] = (byte) (range.contains(v[i]) ? 1 : 0);
            }
        };
    }

    /**
     * Packs the flags of {@code numel} elements into mask bytes.
     *
     * @param flags the test
     * @param numel the number of elements
     * @param out the mask bytes, {@code ceil(numel / 8)}
     * @param parallel the threads to use
     */
    static void pack(Flags flags, int numel, ByteBuffer out, Parallel parallel) {
        int bytes = (numel + 7) / 8;
        parallel.run(bytes, 8, (from, to) -> {
            byte[] f = new byte[BLOCK];
            byte[] packed = new byte[BLOCK / 8];
            for (int start = from * 8; start < Math.min(to * 8L, numel); start += BLOCK) {
                int length = (int) Math.min(BLOCK, Math.min(to * 8L, numel) - start);
                flags.test(start, length, f);
                int count = (length + 7) / 8;
                for (int k = 0; k < count; k++) {
                    int acc = 0;
                    for (int bit = 0, i = k * 8; bit < 8 && i < length; bit++, i++) {
                        acc |= f[i] << bit;
                    }
                    packed[k] = (byte) acc;
                }
                out.put(start / 8, packed, 0, count);
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
            ByteBuffer mask, Elements grad, Elements out, int numel, float scale, Parallel parallel) {
        int bytes = (numel + 7) / 8;
        parallel.run(bytes, 8, (from, to) -> {
            Scratch scratch = new Scratch(BLOCK);
            byte[] packed = new byte[BLOCK / 8];
            float[] v = scratch.values;
            for (int start = from * 8; start < Math.min(to * 8L, numel); start += BLOCK) {
                int length = (int) Math.min(BLOCK, Math.min(to * 8L, numel) - start);
                mask.get(start / 8, packed, 0, (length + 7) / 8);
                grad.read(start, v, length, scratch);
                // Branch-free (masks are close to random): AND the float's bits with all ones or
                // all zeros, which also turns NaN or infinite gradients of dropped elements into 0.
                for (int i = 0; i < length; i++) {
                    int keep = -((packed[i >>> 3] >>> (i & 7)) & 1);
                    v[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & keep);
                }
                if (scale != 1f) {
                    for (int i = 0; i < length; i++) {
                        v[i] *= scale;
                    }
                }
                out.write(start, v, length, scratch);
            }
        });
    }
}
