package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.quant.CodeTable;
import ai.actnn.quant.MaskCodec;
import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Clipping to {@code [low, high]} (ReLU6, hard tanh, clip) with a compact, exact backward. Inside
 * the range the gradient passes, outside it does not; exactly at an end, PyTorch's kernels differ
 * ({@code clamp} passes it, {@code hardtanh} does not, {@code minimum} passes half), so the
 * gradient factor at each end is part of the clipping. With factors 0 or 1 at the ends it keeps one
 * bit per element ("inside the range"); otherwise a 2-bit code of below / at low / inside / at
 * high / above, whose values are the factors.
 */
public final class Clipping {

    private final float low;
    private final float high;
    private final MaskCodec.Range range;
    private final CodeTable kinks;

    private Clipping(float low, float high, MaskCodec.Range range, CodeTable kinks) {
        this.low = low;
        this.high = high;
        this.range = range;
        this.kinks = kinks;
    }

    /**
     * Returns the clipping to a range whose gradient is 1 inside, 0 outside, and the given
     * factors exactly at the finite ends.
     *
     * @param low the lower end (negative infinity for none)
     * @param high the upper end (positive infinity for none)
     * @param atLow the gradient factor exactly at {@code low}
     * @param atHigh the gradient factor exactly at {@code high}
     * @return the clipping
     * @throws IllegalArgumentException if the ends are not ordered numbers or a factor is not finite
     */
    public static Clipping of(float low, float high, float atLow, float atHigh) {
        if (Float.isNaN(low) || Float.isNaN(high) || !(low < high) || !Float.isFinite(atLow) || !Float.isFinite(atHigh)) {
            throw new IllegalArgumentException(
                    "clipping to [" + low + ", " + high + "] with factors " + atLow + ", " + atHigh
                            + " is invalid: allowed are ends low < high and finite factors");
        }
        if ((atLow == 0f || atLow == 1f) && (atHigh == 0f || atHigh == 1f)) {
            return new Clipping(low, high, MaskCodec.Range.of(low, high, atLow == 1f, atHigh == 1f), null);
        }
        // Codes count the boundaries below the value, so interval k is (b(k-1), b(k)]: below,
        // exactly low, inside, exactly high, above.
        List<Float> bounds = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        values.add(0f);
        if (Float.isFinite(low)) {
            add(bounds, values, Math.nextDown(low), atLow);
            add(bounds, values, low, 1f);
        } else {
            values.set(0, 1f);
        }
        if (Float.isFinite(high)) {
            add(bounds, values, Math.nextDown(high), atHigh);
            add(bounds, values, high, 0f);
        }
        float[] b = new float[bounds.size()];
        float[] v = new float[values.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = bounds.get(i);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        int bits = 1;
        while ((1 << bits) < v.length) {
            bits *= 2;
        }
        return new Clipping(low, high, null, new CodeTable(b, v, bits));
    }

    /** Gives values above {@code bound} a new factor, unless the previous interval has it already. */
    private static void add(List<Float> bounds, List<Float> values, float bound, float value) {
        if (values.get(values.size() - 1) != value) {
            bounds.add(bound);
            values.add(value);
        }
    }

    /**
     * Returns the lower end.
     *
     * @return the lower end
     */
    public float low() {
        return low;
    }

    /**
     * Returns the upper end.
     *
     * @return the upper end
     */
    public float high() {
        return high;
    }

    /**
     * Returns whether this is ReLU's kernel: {@code [0, +inf)} whose gradient at 0 is 0, so that
     * a mask of {@code x > 0} reproduces it.
     *
     * @return whether it is ReLU
     */
    public boolean isRelu() {
        return low == 0f && high == Float.POSITIVE_INFINITY && range != null && !range.lowIncluded();
    }

    /**
     * Returns the bits kept per element (1 for a range mask, the code width otherwise).
     *
     * @return the bits
     */
    public int bits() {
        return range != null ? 1 : kinks.bits();
    }

    /**
     * Clips and saves what the backward needs (one mask or one code array).
     *
     * @param ctx the op's context
     * @param x the input
     * @return the clipped input, a new array
     */
    public NDArray forward(ForwardContext ctx, NDArray x) {
        if (range != null) {
            ctx.saveRangeMask(x, range);
        } else {
            ctx.saveCodes(x, kinks, 1f);
        }
        return x.clip(low, high);
    }

    /**
     * Returns the input gradient from what {@link #forward} saved (as the op's first mask or codes).
     *
     * @param ctx the op's context
     * @param grad the output gradient
     * @return the input gradient
     */
    public NDArray backward(BackwardContext ctx, NDArray grad) {
        return range != null ? ctx.applyMask(0, grad, 1f) : ctx.applyCodes(0, grad);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "[" + low + ", " + high + "]";
    }
}
