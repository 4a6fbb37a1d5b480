package ai.actnn.quant;

import java.util.Arrays;

/**
 * A deliberately naive implementation of {@code docs/format.md}, written from the document alone
 * and sharing no code with the backends: binary16 values come from a sorted table of all 65536
 * bit patterns (no bit tricks), random numbers from the formula per element, and bits are placed
 * one by one. Tests compare the backends' bytes against it.
 */
public final class FormatReference {

    /** All non-NaN binary16 values in increasing order (+0 only), as doubles. */
    private static final double[] VALUES;
    /** The bit patterns of {@link #VALUES}. */
    private static final int[] BITS;

    static {
        double[] values = new double[65536];
        int[] bits = new int[65536];
        int n = 0;
        for (int h = 0; h < 65536; h++) {
            if (h == 0x8000 || isNaN16(h)) {
                continue;
            }
            values[n] = value16(h);
            bits[n] = h;
            n++;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[] v = values;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        VALUES = new double[n];
        BITS = new int[n];
        for (int i = 0; i < n; i++) {
            VALUES[i] = values[order[i]];
            BITS[i] = bits[order[i]];
        }
    }

    private FormatReference() {}

    /**
     * Returns whether 16 bits are a binary16 NaN.
     *
     * @param h the bits
     * @return whether exponent is all ones and mantissa non-zero
     */
    public static boolean isNaN16(int h) {
        return ((h >> 10) & 0x1F) == 0x1F && (h & 0x3FF) != 0;
    }

    /**
     * Returns the value of binary16 bits by the textbook formula.
     *
     * @param h the bits
     * @return the value
     */
    public static double value16(int h) {
        int sign = (h >> 15) & 1;
        int exponent = (h >> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        double magnitude;
        if (exponent == 0x1F) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = mantissa * Math.pow(2, -24);
        } else {
            magnitude = (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    /**
     * The largest binary16 not above {@code f}.
     *
     * @param f the value
     * @return its bits
     */
    public static int roundDown16(float f) {
        int i = Arrays.binarySearch(VALUES, f);
        if (i >= 0) {
            return BITS[i];
        }
        return BITS[-i - 2];
    }

    /**
     * The smallest binary16 not below {@code f}.
     *
     * @param f the value
     * @return its bits
     */
    public static int roundUp16(float f) {
        int i = Arrays.binarySearch(VALUES, f);
        if (i >= 0) {
            return BITS[i];
        }
        return BITS[-i - 1];
    }

    /**
     * The nearest binary16, ties to the even bit pattern; beyond 65520 the infinities.
     *
     * @param f the value (not NaN)
     * @return its bits
     */
    public static int nearest16(float f) {
        int down = roundDown16(f);
        int up = roundUp16(f);
        if (Math.abs(f) >= 65520f) {
            return f > 0 ? 0x7C00 : 0xFC00;
        }
        double dDown = f - value16(down);
        double dUp = value16(up) - f;
        int result;
        if (dDown != dUp) {
            result = dDown < dUp ? down : up;
        } else {
            result = (down & 1) == 0 ? down : up;
        }
        // IEEE rounding keeps the sign of a negative value that rounds to zero
        return result == 0 && f < 0 ? 0x8000 : result;
    }

    /**
     * The random number of element {@code i}, by the formula of the format.
     *
     * @param key the key
     * @param i the element index
     * @return r(i)
     */
    public static float random(long key, long i) {
        long z = key + (i >>> 32) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        int x = (int) z + (int) i * 0x9E3779B9;
        x = (x ^ (x >>> 16)) * 0x7FEB352D;
        x = (x ^ (x >>> 15)) * 0x846CA68B;
        x = x ^ (x >>> 16);
        return (float) ((x >>> 8) * Math.pow(2, -24));
    }

    /** The result of packing: the bytes and the chosen metadata type. */
    public static final class Packed {
        /** The bytes, payload then metadata. */
        public final byte[] bytes;
        /** Whether the metadata is FP16. */
        public final boolean fp16;

        Packed(byte[] bytes, boolean fp16) {
            this.bytes = bytes;
            this.fp16 = fp16;
        }
    }

    /**
     * Packs a tensor given as samples of features.
     *
     * @param x the elements, row-major, {@code samples * features}
     * @param samples N
     * @param features F
     * @param groupSize G
     * @param bits bits per sample
     * @param key the key
     * @param stochastic the rounding
     * @return the bytes
     */
    public static Packed pack(
            float[] x, int samples, int features, int groupSize, int[] bits, long key, boolean stochastic) {
        int s = (features + groupSize - 1) / groupSize;
        int groups = samples * s;
        float[] mn = new float[groups];
        float[] mx = new float[groups];
        boolean[] finite = new boolean[groups];
        for (int n = 0; n < samples; n++) {
            for (int g = 0; g < s; g++) {
                int id = n * s + g;
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                boolean ok = true;
                for (int j = 0; j < groupSize; j++) {
                    int f = g * groupSize + j;
                    if (f >= features) {
                        break;
                    }
                    float v = x[n * features + f];
                    if (Float.isNaN(v) || Float.isInfinite(v)) {
                        ok = false;
                    }
                    if (v < lo) {
                        lo = v;
                    }
                    if (v > hi) {
                        hi = v;
                    }
                }
                // signed zeros: compare as values, store +0
                mn[id] = lo == 0f ? 0f : lo;
                mx[id] = hi == 0f ? 0f : hi;
                finite[id] = ok && !Float.isInfinite(mx[id] - mn[id]);
            }
        }
        // metadata type
        boolean fp16 = true;
        for (int n = 0; n < samples; n++) {
            float levels = (1 << bits[n]) - 1;
            for (int g = 0; g < s; g++) {
                int id = n * s + g;
                if (!finite[id]) {
                    continue;
                }
                float[] rec = record16(mn[id], mx[id], levels);
                boolean eligible = Float.isFinite(rec[0]) && Float.isFinite(rec[1])
                        && levels * rec[1]
                                <= 1.0625f * (mx[id] - mn[id])
                                        + (float) Math.pow(2, -10) * Math.max(Math.abs(mn[id]), Math.abs(mx[id]));
                if (!eligible) {
                    fp16 = false;
                }
            }
        }
        long payload = 0;
        long[] offsets = new long[samples + 1];
        for (int n = 0; n < samples; n++) {
            offsets[n + 1] = offsets[n] + (long) s * groupSize * bits[n] / 8;
        }
        payload = offsets[samples];
        int recordBytes = fp16 ? 4 : 8;
        byte[] out = new byte[(int) (payload + (long) groups * recordBytes)];
        for (int n = 0; n < samples; n++) {
            int b = bits[n];
            int levels = (1 << b) - 1;
            for (int g = 0; g < s; g++) {
                int id = n * s + g;
                float lo;
                float step;
                int meta = (int) payload + id * recordBytes;
                if (!finite[id]) {
                    if (fp16) {
                        putLE(out, meta, 0x7E00, 2);
                        putLE(out, meta + 2, 0x7E00, 2);
                    } else {
                        putLE(out, meta, 0x7FC00000, 4);
                        putLE(out, meta + 4, 0x7FC00000, 4);
                    }
                    continue; // codes stay 0
                }
                if (fp16) {
                    int loBits = roundDown16(mn[id]);
                    lo = (float) value16(loBits);
                    int stepBits;
                    if (mx[id] == mn[id] && lo == mn[id]) {
                        stepBits = 0;
                    } else {
                        stepBits = roundUp16((mx[id] - lo) / levels);
                    }
                    step = (float) value16(stepBits);
                    putLE(out, meta, loBits, 2);
                    putLE(out, meta + 2, stepBits, 2);
                } else {
                    lo = mn[id];
                    if (mx[id] == mn[id]) {
                        step = 0f;
                    } else {
                        step = (mx[id] - mn[id]) / levels;
                        if (levels * step < mx[id] - mn[id]) {
                            step = Math.nextUp(step);
                        }
                        if (step < 0x1p-126f) {
                            step = 0x1p-126f;
                        }
                    }
                    putLE(out, meta, Float.floatToRawIntBits(lo), 4);
                    putLE(out, meta + 4, Float.floatToRawIntBits(step), 4);
                }
                float inv = step == 0f ? 0f : 1f / step;
                long groupStart = offsets[n] + (long) g * groupSize * b / 8;
                for (int j = 0; j < groupSize; j++) {
                    int f = g * groupSize + j;
                    if (f >= features) {
                        break; // padding: code 0
                    }
                    long i = (long) n * features + f;
                    float t = (x[(int) i] - lo) * inv;
                    float sum = stochastic ? t + random(key, i) : t + 0.5f;
                    int q = (int) Math.floor(sum);
                    q = Math.max(0, Math.min(levels, q));
                    // bit k of the code is bit j * b + k of the group's bit string: bit
                    // (j * b + k) mod 8 of its byte (j * b + k) / 8, whichever byte that is
                    for (int k = 0; k < b; k++) {
                        int bitPos = j * b + k;
                        int byteIndex = (int) (groupStart + bitPos / 8);
                        out[byteIndex] |= (byte) (((q >> k) & 1) << (bitPos % 8));
                    }
                }
            }
        }
        return new Packed(out, fp16);
    }

    /**
     * Dequantizes packed bytes.
     *
     * @param bytes the bytes
     * @param fp16 the metadata type
     * @param samples N
     * @param features F
     * @param groupSize G
     * @param bits bits per sample
     * @return the values, row-major
     */
    public static float[] unpack(byte[] bytes, boolean fp16, int samples, int features, int groupSize, int[] bits) {
        int s = (features + groupSize - 1) / groupSize;
        long[] offsets = new long[samples + 1];
        for (int n = 0; n < samples; n++) {
            offsets[n + 1] = offsets[n] + (long) s * groupSize * bits[n] / 8;
        }
        float[] y = new float[samples * features];
        for (int n = 0; n < samples; n++) {
            int b = bits[n];
            for (int g = 0; g < s; g++) {
                float[] rec = readRecord(bytes, fp16, offsets[samples], n * s + g);
                for (int j = 0; j < groupSize && g * groupSize + j < features; j++) {
                    int q = 0;
                    for (int k = 0; k < b; k++) {
                        int bitPos = j * b + k;
                        int byteValue = bytes[(int) (offsets[n] + (long) g * groupSize * b / 8 + bitPos / 8)] & 0xFF;
                        q |= ((byteValue >> (bitPos % 8)) & 1) << k;
                    }
                    y[n * features + g * groupSize + j] = rec[0] + q * rec[1];
                }
            }
        }
        return y;
    }

    /**
     * Reads one group's record.
     *
     * @param bytes the packed bytes
     * @param fp16 the metadata type
     * @param payloadBytes where the metadata starts
     * @param group the group
     * @return {lo, step}
     */
    public static float[] readRecord(byte[] bytes, boolean fp16, long payloadBytes, int group) {
        int at = (int) payloadBytes + group * (fp16 ? 4 : 8);
        if (fp16) {
            return new float[] {(float) value16(getLE(bytes, at, 2)), (float) value16(getLE(bytes, at + 2, 2))};
        }
        return new float[] {
            Float.intBitsToFloat(getLE(bytes, at, 4)), Float.intBitsToFloat(getLE(bytes, at + 4, 4))
        };
    }

    private static float[] record16(float mn, float mx, float levels) {
        float lo = (float) value16(roundDown16(mn));
        float step;
        if (mx == mn && lo == mn) {
            step = 0f;
        } else {
            step = (float) value16(roundUp16((mx - lo) / levels));
        }
        return new float[] {lo, step};
    }

    private static void putLE(byte[] out, int at, int value, int bytes) {
        for (int k = 0; k < bytes; k++) {
            out[at + k] = (byte) (value >>> (8 * k));
        }
    }

    private static int getLE(byte[] in, int at, int bytes) {
        int v = 0;
        for (int k = 0; k < bytes; k++) {
            v |= (in[at + k] & 0xFF) << (8 * k);
        }
        return v;
    }
}
