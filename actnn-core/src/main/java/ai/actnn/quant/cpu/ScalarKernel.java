package ai.actnn.quant.cpu;

import ai.actnn.quant.CounterRng;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** The plain-Java group arithmetic: the reference, used where the Vector API is unavailable. */
final class ScalarKernel implements GroupKernel {

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "scalar";
    }

    /** {@inheritDoc} */
    @Override
    public void minMax(float[] x, int length, float[] result) {
        float mn = Float.POSITIVE_INFINITY;
        float mx = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            mn = Math.min(mn, x[i]);
            mx = Math.max(mx, x[i]);
        }
        result[0] = mn;
        result[1] = mx;
    }

    /** {@inheritDoc} */
    @Override
    public void encode(
            float[] x,
            int length,
            float lo,
            float inv,
            int levels,
            long first,
            long key,
            boolean stochastic,
            Scratch scratch) {
        float[] random = scratch.random;
        if (stochastic) {
            CounterRng.fill(key, first, random, 0, length);
        } else {
            Arrays.fill(random, 0, length, 0.5f);
        }
        byte[] codes = scratch.codes;
        for (int i = 0; i < length; i++) {
            // t + r >= 0 for the group's own elements, where truncation equals floor; with
            // statistics of other data the clamps still agree with floor-then-clamp.
            int q = (int) ((x[i] - lo) * inv + random[i]);
            codes[i] = (byte) (q < 0 ? 0 : Math.min(q, levels));
        }
        Arrays.fill(codes, length, codes.length, (byte) 0);
    }

    /** {@inheritDoc} */
    @Override
    public void decode(byte[] packed, int length, int bits, float lo, float step, float[] y) {
        for (int j = 0; j < length; j++) {
            y[j] = lo + BitPacker.code(packed, j, bits) * step;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void positiveFlags(float[] x, int length, byte[] flags) {
        for (int i = 0; i < length; i++) {
            flags[i] = (byte) (x[i] > 0f ? 1 : 0);
        }
        Arrays.fill(flags, length, (length + 31) & -32, (byte) 0);
    }

    /** {@inheritDoc} */
    @Override
    public void keepMasked(float[] x, int length, byte[] packed, float scale) {
        // branch-free (masks are close to random)
        for (int i = 0; i < length; i++) {
            x[i] = masked(x[i], packed, i);
        }
        if (scale != 1f) {
            for (int i = 0; i < length; i++) {
                x[i] *= scale;
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public void positiveBits(ByteBuffer fp32, int first, int length, byte[] bits) {
        positiveBits(fp32, first, 0, length, bits);
    }

    /**
     * {@link #positiveBits(ByteBuffer, int, int, byte[])} of the elements {@code [from, length)}
     * of the block only, {@code from} a multiple of 8 (the vector kernel's tail).
     */
    static void positiveBits(ByteBuffer fp32, int first, int from, int length, byte[] bits) {
        Arrays.fill(bits, from >>> 3, (length + 7) >>> 3, (byte) 0);
        for (int i = from; i < length; i++) {
            if (fp32.getFloat((first + i) << 2) > 0f) {
                bits[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public void keepMasked(ByteBuffer in, ByteBuffer out, int first, int length, byte[] packed, float scale) {
        keepMasked(in, out, first, 0, length, packed, scale);
    }

    /**
     * {@link #keepMasked(ByteBuffer, ByteBuffer, int, int, byte[], float)} of the elements {@code
     * [from, length)} of the block only (the vector kernel's tail).
     */
    static void keepMasked(ByteBuffer in, ByteBuffer out, int first, int from, int length, byte[] packed, float scale) {
        for (int i = from; i < length; i++) {
            int at = (first + i) << 2;
            float v = masked(in.getFloat(at), packed, i);
            out.putFloat(at, scale != 1f ? v * scale : v);
        }
    }

    /**
     * Returns {@code x} where bit {@code i} of the mask is set, else exactly +0: the float's bits
     * ANDed with all ones or all zeros, branch-free, so a NaN or an infinity is dropped too.
     */
    private static float masked(float x, byte[] packed, int i) {
        int keep = -((packed[i >>> 3] >>> (i & 7)) & 1);
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) & keep);
    }
}
