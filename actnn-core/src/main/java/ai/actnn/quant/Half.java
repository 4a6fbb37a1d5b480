package ai.actnn.quant;

/**
 * IEEE binary16 ("half") conversions, including the directed roundings that the FP16 metadata of
 * {@code docs/format.md} needs. Java 17 has no {@code Float.floatToFloat16}, and the packed format
 * must agree bit for bit with the CUDA kernels, so the conversions are written out here.
 *
 * <p>Values are passed as the 16 raw bits in a {@code short}.
 */
public final class Half {

    /** The canonical quiet NaN that the format stores for non-finite groups. */
    public static final short NAN = (short) 0x7E00;
    /** Positive infinity. */
    public static final short POSITIVE_INFINITY = (short) 0x7C00;
    /** Negative infinity. */
    public static final short NEGATIVE_INFINITY = (short) 0xFC00;
    /** The largest finite value, 65504. */
    public static final float MAX_VALUE = 65504f;

    private static final int SIGN = 0x8000;

    private Half() {}

    /**
     * Widens a half to a float; exact for every half, NaN payloads included.
     *
     * @param h the half's bits
     * @return the same value as a float
     */
    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int magnitude = bits & 0x7FFF;
        int floatBits;
        if (magnitude >= 0x7C00) {
            floatBits = 0x7F800000 | ((magnitude & 0x3FF) << 13);
        } else {
            // Re-biasing the exponent by a multiplication handles normals and subnormals alike,
            // exactly: the shifted bits are a float 2^-112 times the half's value.
            floatBits = Float.floatToRawIntBits(Float.intBitsToFloat(magnitude << 13) * 0x1p112f);
        }
        return Float.intBitsToFloat(floatBits | ((bits & SIGN) << 16));
    }

    /**
     * Narrows a float to the nearest half, ties to even (the conversion of CUDA's {@code
     * __float2half_rn}); values of magnitude 65520 and more become infinities, NaN becomes {@link
     * #NAN} with the input's sign.
     *
     * @param f the float
     * @return the half's bits
     */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & SIGN;
        int abs = x & 0x7FFFFFFF;
        if (abs > 0x7F800000) {
            return (short) (sign | (NAN & 0xFFFF));
        }
        if (abs >= 0x477FF000) { // 65520 and above (infinity included) round to infinity
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x38800000) { // 2^-14 and above: a normal half
            int h = ((abs >>> 23) - 112) << 10 | ((abs >>> 13) & 0x3FF);
            int rest = abs & 0x1FFF;
            if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
                h++; // a carry out of the mantissa correctly bumps the exponent
            }
            return (short) (sign | h);
        }
        if (abs <= 0x33000000) { // at most 2^-25: rounds to zero (2^-25 is a tie, to even 0)
            return (short) sign;
        }
        // Subnormal half: the result is round(|f| * 2^24), at most 1024 (the smallest normal).
        int exponent = abs >>> 23;
        int mantissa = (abs & 0x7FFFFF) | 0x800000;
        int shift = 126 - exponent;
        int h = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (h & 1) != 0)) {
            h++;
        }
        return (short) (sign | h);
    }

    /**
     * Returns the largest half not above {@code f} ({@code roundDown16} of the format): below
     * -65504 that is negative infinity.
     *
     * @param f a float, not NaN
     * @return the half's bits
     */
    public static short roundDown(float f) {
        int x = Float.floatToRawIntBits(f);
        int abs = x & 0x7FFFFFFF;
        if (normalRange(abs)) {
            // a negative value moves away from zero when it is not a half already
            return (short) (truncated(x) + (inexact(abs) & (x >> 31)));
        }
        short h = fromFloat(f);
        return toFloat(h) > f ? nextDown(h) : h;
    }

    /**
     * Returns the smallest half not below {@code f} ({@code roundUp16} of the format): above
     * 65504 that is positive infinity.
     *
     * @param f a float, not NaN
     * @return the half's bits
     */
    public static short roundUp(float f) {
        int x = Float.floatToRawIntBits(f);
        int abs = x & 0x7FFFFFFF;
        if (normalRange(abs)) {
            // a positive value moves away from zero when it is not a half already
            return (short) (truncated(x) + (inexact(abs) & ~(x >> 31)));
        }
        short h = fromFloat(f);
        return toFloat(h) < f ? nextUp(h) : h;
    }

    /*
     * The directed roundings run once per group of every quantized tensor, so their common case
     * avoids the data-dependent branches of fromFloat-then-adjust: for magnitudes in [2^-14,
     * 2^16) a float's bits truncated to 10 mantissa bits are the half towards zero, and one more
     * in the magnitude is the next half away from zero (carrying into the exponent, or from 65504
     * into infinity).
     */

    private static boolean normalRange(int abs) {
        return abs >= 0x38800000 && abs < 0x47800000;
    }

    private static int truncated(int x) {
        int abs = x & 0x7FFFFFFF;
        return ((x >>> 16) & SIGN) | (((abs >>> 23) - 112) << 10) | ((abs >>> 13) & 0x3FF);
    }

    private static int inexact(int abs) {
        return ((abs & 0x1FFF) + 0x1FFF) >>> 13;
    }

    /**
     * Returns the next half towards positive infinity (infinity and NaN stay).
     *
     * @param h the half's bits
     * @return the next larger half
     */
    public static short nextUp(short h) {
        int bits = h & 0xFFFF;
        if ((bits & 0x7FFF) > 0x7C00 || bits == 0x7C00) {
            return h;
        }
        if (bits == SIGN) {
            return 0x0001;
        }
        return (short) ((bits & SIGN) != 0 ? bits - 1 : bits + 1);
    }

    /**
     * Returns the next half towards negative infinity (negative infinity and NaN stay).
     *
     * @param h the half's bits
     * @return the next smaller half
     */
    public static short nextDown(short h) {
        int bits = h & 0xFFFF;
        if ((bits & 0x7FFF) > 0x7C00 || bits == 0xFC00) {
            return h;
        }
        if (bits == 0) {
            return (short) 0x8001;
        }
        return (short) ((bits & SIGN) != 0 ? bits + 1 : bits - 1);
    }
}
