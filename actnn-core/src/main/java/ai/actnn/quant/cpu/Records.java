package ai.actnn.quant.cpu;

import ai.actnn.quant.Half;

/**
 * The per-group records {@code (lo, step)} of {@code docs/format.md}, steps 3 and 4 of "Quantization
 * of one group", for finite groups. Java float arithmetic is IEEE binary32 with every operation
 * rounded separately, which is what the format prescribes (no {@code Math.fma} here).
 */
final class Records {

    /** The FP16 record of a non-finite group: two canonical NaNs. */
    static final int NAN_FP16 = (Half.NAN & 0xFFFF) * 0x10001;
    /** The bits of the FP32 NaN of a non-finite group's record. */
    static final int NAN_FP32 = 0x7FC00000;
    /** The smallest FP32 step of a non-constant group: keeps {@code 1 / step} finite. */
    static final float MIN_FP32_STEP = 0x1p-126f;

    private static final float SLACK = 1.0625f;
    private static final float RELATIVE_SLACK = 0x1p-10f;

    private Records() {}

    /**
     * Computes a group's FP16 record.
     *
     * @param mn the group's minimum (finite, never -0)
     * @param mx the group's maximum (finite, never -0)
     * @param levels {@code B = 2^b - 1}
     * @return the record as it lies in memory read as a little-endian int: {@code lo} in the low
     *     16 bits, {@code step} in the high 16 bits
     */
    static int fp16(float mn, float mx, int levels) {
        short lo = Half.roundDown(mn);
        float low = Half.toFloat(lo);
        short step = mx == mn && low == mn ? 0 : Half.roundUp((mx - low) / levels);
        return (lo & 0xFFFF) | (step << 16);
    }

    /**
     * Returns whether an FP16 record represents its group without inflating the range too much.
     *
     * @param record the record from {@link #fp16}
     * @param mn the group's minimum
     * @param mx the group's maximum
     * @param levels {@code B}
     * @return whether the group is eligible for FP16 metadata
     */
    static boolean fp16Eligible(int record, float mn, float mx, int levels) {
        float lo = fp16Low(record);
        float step = fp16Step(record);
        if (!Float.isFinite(lo) || !Float.isFinite(step)) {
            return false;
        }
        float allowed = SLACK * (mx - mn) + RELATIVE_SLACK * Math.max(Math.abs(mn), Math.abs(mx));
        return levels * step <= allowed;
    }

    /**
     * Returns the {@code lo} of an FP16 record as a float.
     *
     * @param record the record
     * @return its low value
     */
    static float fp16Low(int record) {
        return Half.toFloat((short) record);
    }

    /**
     * Returns the {@code step} of an FP16 record as a float.
     *
     * @param record the record
     * @return its step
     */
    static float fp16Step(int record) {
        return Half.toFloat((short) (record >>> 16));
    }

    /**
     * Computes a group's FP32 step; its {@code lo} is the minimum itself.
     *
     * @param mn the group's minimum (finite)
     * @param mx the group's maximum (finite, {@code mx - mn} finite)
     * @param levels {@code B}
     * @return the smallest step whose {@code B} multiples cover the range
     */
    static float fp32Step(float mn, float mx, int levels) {
        if (mx == mn) {
            return 0f;
        }
        float range = mx - mn;
        float step = range / levels;
        if (levels * step < range) {
            step = Math.nextUp(step);
        }
        return Math.max(step, MIN_FP32_STEP);
    }
}
