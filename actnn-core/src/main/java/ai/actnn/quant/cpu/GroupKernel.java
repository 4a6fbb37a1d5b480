package ai.actnn.quant.cpu;

import java.nio.ByteBuffer;

import ai.actnn.quant.CounterRng;

/**
 * The arithmetic of one group, in two implementations that produce identical results: {@link
 * ScalarKernel} (plain Java, the reference) and {@link VectorKernel} (the incubating Vector API,
 * several times faster where it is available). Inputs and outputs are plain arrays; the callers
 * move them to and from tensor memory.
 */
interface GroupKernel {

    /**
     * Returns the name for logs.
     *
     * @return "scalar" or "vector"
     */
    String name();

    /**
     * Computes the minimum and maximum of {@code x[0, length)}. Only finite groups need exact
     * results: for a group with a NaN or an infinity the results need only make {@code max - min}
     * non-finite. The sign of a zero result is unspecified (callers turn -0 into +0).
     *
     * @param x the group's elements; entries from {@code length} on may be overwritten
     * @param length the number of real elements, at least 1
     * @param result receives the minimum at index 0 and the maximum at index 1
     */
    void minMax(float[] x, int length, float[] result);

    /**
     * Computes the codes {@code clamp(floor((x - lo) * inv + r), 0, levels)} of a group.
     *
     * @param x the group's elements, {@code groupSize} entries (those past {@code length} are
     *     ignored)
     * @param length the number of real elements
     * @param lo the record's low value
     * @param inv {@code 1 / step}, or 0 for a zero step
     * @param levels {@code 2^b - 1}
     * @param first the row-major index of the group's first element (selects the random numbers)
     * @param key the key of the random stream
     * @param stochastic whether to add random numbers (else 0.5: nearest rounding)
     * @param scratch the calling thread's scratch; the codes go to {@code scratch.codes}, one byte
     *     each, 0 from {@code length} to the group size
     */
    void encode(
            float[] x,
            int length,
            float lo,
            float inv,
            int levels,
            long first,
            long key,
            boolean stochastic,
            Scratch scratch);

    /**
     * Writes the random numbers {@code r(first + i)} of {@code docs/format.md} for {@code i} in
     * {@code [0, length)} ({@link CounterRng#fill}, which this default calls).
     *
     * @param key the key of the stream
     * @param first the first element's index
     * @param dst receives the numbers from index 0; it must have room up to the next multiple of
     *     8 (vector kernels write whole vectors)
     * @param length how many numbers
     */
    default void uniform(long key, long first, float[] dst, int length) {
        CounterRng.fill(key, first, dst, 0, length);
    }

    /**
     * Packs a group's codes into the format's bit string ({@link BitPacker#pack}, which this
     * default calls).
     *
     * @param codes one code per byte, each below {@code 2^bits}
     * @param count the number of codes, a multiple of 32
     * @param bits 1 to 8
     * @param out receives {@code count * bits / 8} bytes from index 0
     */
    default void pack(byte[] codes, int count, int bits, byte[] out) {
        BitPacker.pack(codes, count, bits, out);
    }

    /**
     * Dequantizes the codes of a group: {@code y = lo + q * step}.
     *
     * @param packed the group's packed codes from index 0 (with at least 8 bytes of slack after
     *     them)
     * @param length the number of real elements
     * @param bits the bits per code
     * @param lo the record's low value
     * @param step the record's step
     * @param y receives the values, from 0 (entries up to the next multiple of 8 may be written)
     */
    void decode(byte[] packed, int length, int bits, float lo, float step, float[] y);

    /**
     * Writes the flags of the test {@code x > 0} (false for NaN): 1 where it holds, else 0.
     *
     * @param x the elements
     * @param length how many; {@code flags} from {@code length} to the next multiple of 32 are
     *     set to 0 (entries of {@code x} up to the next multiple of 8 may be read)
     * @param flags receives one flag per byte
     */
    void positiveFlags(float[] x, int length, byte[] flags);

    /**
     * Keeps the elements whose mask bit is set (multiplied by {@code scale} unless it is 1) and
     * writes exactly 0 elsewhere, also over a NaN or an infinity (PyTorch's {@code
     * threshold_backward} does the same).
     *
     * @param x the elements, updated in place (entries up to the next multiple of 8 may be
     *     written)
     * @param length how many
     * @param packed the mask bits of these elements, element {@code i} at bit {@code i mod 8} of
     *     byte {@code i / 8}
     * @param scale the factor of kept elements
     */
    void keepMasked(float[] x, int length, byte[] packed, float scale);

    /**
     * Writes the bits of the test {@code x > 0} (false for NaN) of FP32 elements read in place:
     * element {@code first + i} at bit {@code i mod 8} of byte {@code i / 8}.
     *
     * @param fp32 the tensor's data, native byte order
     * @param first the first element, a multiple of 8
     * @param length how many; the bits of the last byte past {@code length} are 0
     * @param bits receives {@code ceil(length / 8)} bytes
     */
    void positiveBits(ByteBuffer fp32, int first, int length, byte[] bits);

    /**
     * {@link #keepMasked(float[], int, byte[], float)} over FP32 elements read and written in
     * place: elements {@code [first, first + length)} of {@code in}, masked, go to the same
     * elements of {@code out}.
     *
     * @param in the gradient's data, native byte order
     * @param out the result's data, native byte order
     * @param first the first element, a multiple of 8
     * @param length how many
     * @param packed the mask bits of these elements, element {@code first + i} at bit {@code i
     *     mod 8} of byte {@code i / 8}
     * @param scale the factor of kept elements
     */
    void keepMasked(ByteBuffer in, ByteBuffer out, int first, int length, byte[] packed, float scale);
}
