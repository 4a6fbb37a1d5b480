package ai.actnn.quant.cpu;

import ai.actnn.quant.CounterRng;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The group arithmetic with 256-bit vectors of the incubating Vector API ({@code --add-modules
 * jdk.incubator.vector}), bit-identical to {@link ScalarKernel}: the same IEEE binary32 operations
 * in the same order, each rounded separately.
 *
 * <p>Two operations avoid what JDK 17 compiles poorly: the float-to-int conversion (not
 * intrinsified: floor is computed with the 2^23 rounding trick, exact for the values in {@code
 * [0, 2^23)} that clamping leaves), and 64-bit lanes (AVX2 has no 64-bit multiplication, which the
 * random numbers therefore avoid).
 */
final class VectorKernel implements GroupKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int LANES = 8;
    private static final float TWO_POW_23 = 0x1p23f;
    private static final int TWO_POW_23_BITS = Float.floatToRawIntBits(TWO_POW_23);
    /** Lane {@code i} holds {@code i} Weyl steps: the counters of eight consecutive elements. */
    private static final IntVector WEYL_LANES = IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0)
            .mul(CounterRng.WEYL_STEP);
    /**
     * Per-lane shifts that bring code {@code lane} of eight {@code bits}-bit codes to bit 0: from
     * one 32-bit word up to 4 bits ({@code lane * bits}), and from two words, codes 0-3 and codes
     * 4-7 each starting at bit 0 of its own, for 5 to 7 bits ({@code (lane % 4) * bits}).
     */
    private static final IntVector[] SHIFTS = new IntVector[9];
    /** Lane {@code i} holds {@code i}: the bit of a mask byte that each lane tests. */
    private static final IntVector LANE_BITS = IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0);
    /** 2^(8k + j) in lane j of entry k: the bit of each lane in byte k of a word of mask bits. */
    private static final IntVector[] BYTE_LANE_WEIGHTS = new IntVector[4];

    static {
        for (int k = 0; k < 4; k++) {
            int[] w = new int[LANES];
            for (int j = 0; j < LANES; j++) {
                w[j] = 1 << (8 * k + j);
            }
            BYTE_LANE_WEIGHTS[k] = IntVector.fromArray(I, w, 0);
        }
    }
    /** Lanes 4 to 7, which take the second word when eight codes exceed 32 bits. */
    private static final VectorMask<Integer> HIGH_LANES =
            VectorMask.fromArray(I, new boolean[] {false, false, false, false, true, true, true, true}, 0);

    static {
        for (int bits = 1; bits < 8; bits++) {
            int[] s = new int[LANES];
            for (int lane = 0; lane < LANES; lane++) {
                s[lane] = (bits <= 4 ? lane : lane % 4) * bits;
            }
            SHIFTS[bits] = IntVector.fromArray(I, s, 0);
        }
    }

    /**
     * Returns whether this kernel runs fast here: the Vector API compiles 256-bit vectors to
     * hardware instructions (AVX2 or better on x86).
     *
     * @return whether the preferred float vector has at least 8 lanes
     */
    static boolean fastHere() {
        return FloatVector.SPECIES_PREFERRED.length() >= LANES;
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "vector";
    }

    /** {@inheritDoc} */
    @Override
    public void minMax(float[] x, int length, float[] result) {
        int padded = roundUp(length);
        // Copies of a real element in the padding leave the minimum and maximum unchanged.
        Arrays.fill(x, length, padded, x[0]);
        // Compare-and-blend is about half the work of the NaN-propagating min/max. Four
        // independent chains hide its latency (one chain waits on the previous blend at every
        // step). NaN, which compares false, is caught by v - v instead (NaN for NaN and
        // infinities, else +0, all bits clear), and a group with either is reported as NaN.
        FloatVector mn0 = FloatVector.fromArray(F, x, 0);
        FloatVector mx0 = mn0;
        FloatVector mn1 = mn0;
        FloatVector mx1 = mn0;
        FloatVector mn2 = mn0;
        FloatVector mx2 = mn0;
        FloatVector mn3 = mn0;
        FloatVector mx3 = mn0;
        IntVector poison = mn0.sub(mn0).reinterpretAsInts();
        int i = LANES;
        for (; i + 4 * LANES <= padded; i += 4 * LANES) {
            FloatVector a = FloatVector.fromArray(F, x, i);
            FloatVector b = FloatVector.fromArray(F, x, i + LANES);
            FloatVector c = FloatVector.fromArray(F, x, i + 2 * LANES);
            FloatVector d = FloatVector.fromArray(F, x, i + 3 * LANES);
            mn0 = mn0.blend(a, a.compare(VectorOperators.LT, mn0));
            mx0 = mx0.blend(a, a.compare(VectorOperators.GT, mx0));
            mn1 = mn1.blend(b, b.compare(VectorOperators.LT, mn1));
            mx1 = mx1.blend(b, b.compare(VectorOperators.GT, mx1));
            mn2 = mn2.blend(c, c.compare(VectorOperators.LT, mn2));
            mx2 = mx2.blend(c, c.compare(VectorOperators.GT, mx2));
            mn3 = mn3.blend(d, d.compare(VectorOperators.LT, mn3));
            mx3 = mx3.blend(d, d.compare(VectorOperators.GT, mx3));
            poison = poison.or(a.sub(a).reinterpretAsInts().or(b.sub(b).reinterpretAsInts()))
                    .or(c.sub(c).reinterpretAsInts().or(d.sub(d).reinterpretAsInts()));
        }
        for (; i < padded; i += LANES) {
            FloatVector a = FloatVector.fromArray(F, x, i);
            mn0 = mn0.blend(a, a.compare(VectorOperators.LT, mn0));
            mx0 = mx0.blend(a, a.compare(VectorOperators.GT, mx0));
            poison = poison.or(a.sub(a).reinterpretAsInts());
        }
        if (poison.reduceLanes(VectorOperators.OR) != 0) {
            result[0] = Float.NaN;
            result[1] = Float.NaN;
            return;
        }
        // no NaN is left, so the plain min and max are exact
        result[0] = mn0.min(mn1).min(mn2.min(mn3)).reduceLanes(VectorOperators.MIN);
        result[1] = mx0.max(mx1).max(mx2.max(mx3)).reduceLanes(VectorOperators.MAX);
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
        int padded = roundUp(length);
        if (stochastic) {
            // hashing into an array and reading it back is faster here than hashing in the
            // coding loop, which C2 compiles worse
            uniform(key, first, random, padded);
        }
        byte[] codes = scratch.codes;
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vinv = FloatVector.broadcast(F, inv);
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        FloatVector zero = FloatVector.zero(F);
        FloatVector top = FloatVector.broadcast(F, (float) levels);
        FloatVector magic = FloatVector.broadcast(F, TWO_POW_23);
        for (int i = 0; i < padded; i += LANES) {
            FloatVector r = stochastic ? FloatVector.fromArray(F, random, i) : half;
            FloatVector y = FloatVector.fromArray(F, x, i).sub(vlo).mul(vinv).add(r);
            // clamp to [0, levels] first (NaN, only possible with foreign statistics, becomes 0
            // like the scalar (int) cast), then floor exactly with the 2^23 trick
            y = zero.blend(y, y.compare(VectorOperators.GE, 0f));
            y = y.blend(top, y.compare(VectorOperators.GT, top));
            FloatVector s = y.add(magic);
            VectorMask<Float> roundedUp = s.sub(magic).compare(VectorOperators.GT, y);
            IntVector q = s.reinterpretAsInts().sub(TWO_POW_23_BITS);
            q = q.lanewise(VectorOperators.SUB, 1, roundedUp.cast(I));
            ((ByteVector) q.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(codes, i);
        }
        Arrays.fill(codes, length, codes.length, (byte) 0);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Eight elements' hashes per step, in 32-bit lanes; a range that crosses a multiple of
     * 2^32 elements (where the seed changes) goes to the scalar reference.
     */
    @Override
    public void uniform(long key, long first, float[] dst, int length) {
        int padded = roundUp(length);
        if ((first >>> 32) != ((first + padded - 1) >>> 32)) {
            CounterRng.fill(key, first, dst, 0, length);
            return;
        }
        IntVector counter = IntVector.broadcast(I, CounterRng.seed(key, first) + (int) first * CounterRng.WEYL_STEP)
                .add(WEYL_LANES);
        int eightSteps = LANES * CounterRng.WEYL_STEP;
        for (int i = 0; i < padded; i += LANES) {
            unit(counter).intoArray(dst, i);
            counter = counter.add(eightSteps);
        }
    }

    /** The numbers of eight elements from their Weyl counters: lowbias32, then the top 24 bits. */
    private static FloatVector unit(IntVector counter) {
        IntVector x = counter.lanewise(VectorOperators.XOR, counter.lanewise(VectorOperators.LSHR, 16))
                .mul(CounterRng.MIX_1);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15)).mul(CounterRng.MIX_2);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        return ((FloatVector) x.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
    }

    /**
     * {@inheritDoc}
     *
     * <p>2 and 4 bits pack 32 codes per step: the 32 code bytes read as eight 32-bit lanes of
     * four codes each. At 2 bits one multiplication gathers a lane's four codes in its top byte
     * ({@code b0 << 24 | b1 << 26 | b2 << 28 | b3 << 30}: the other products land below bit 24
     * without overlapping, so nothing carries into it); at 4 bits two shift-or steps pair the
     * codes into a 16-bit lane. 1 and 8 bits stay with {@link BitPacker} (64-bit multiplies and a
     * plain copy), and so do 3, 5, 6 and 7 bits (three masked shift-or steps per 64-bit word of
     * eight codes, whose result straddles the lanes a vector could shift).
     */
    @Override
    public void pack(byte[] codes, int count, int bits, byte[] out) {
        if (bits == 2) {
            for (int i = 0; i < count; i += 32) {
                IntVector w = ByteVector.fromArray(ByteVector.SPECIES_256, codes, i).reinterpretAsInts();
                ((ByteVector) w.mul(0x01041040).lanewise(VectorOperators.LSHR, 24)
                        .convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(out, i / 4);
            }
        } else if (bits == 4) {
            for (int i = 0; i < count; i += 32) {
                IntVector w = ByteVector.fromArray(ByteVector.SPECIES_256, codes, i).reinterpretAsInts();
                w = w.or(w.lanewise(VectorOperators.LSHR, 4)).and(0x00FF00FF);
                w = w.or(w.lanewise(VectorOperators.LSHR, 8)).and(0xFFFF);
                ((ShortVector) w.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0))
                        .reinterpretAsBytes().intoArray(out, i / 2);
            }
        } else {
            BitPacker.pack(codes, count, bits, out);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void decode(byte[] packed, int length, int bits, float lo, float step, float[] y) {
        int padded = roundUp(length);
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vstep = FloatVector.broadcast(F, step);
        if (bits == 8) {
            for (int i = 0; i < padded; i += LANES) {
                IntVector q = ((IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, packed, i)
                        .convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                vlo.add(((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(vstep)).intoArray(y, i);
            }
            return;
        }
        IntVector shifts = SHIFTS[bits];
        int mask = (1 << bits) - 1;
        if (bits <= 4) {
            for (int i = 0; i < padded; i += LANES) {
                // the 8 codes of elements i..i+7 are the bits * 8 bits starting at byte i * bits / 8
                int word = BitPacker.int32(packed, i * bits / 8);
                IntVector q = IntVector.broadcast(I, word).lanewise(VectorOperators.LSHR, shifts).and(mask);
                vlo.add(((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(vstep)).intoArray(y, i);
            }
            return;
        }
        for (int i = 0; i < padded; i += LANES) {
            // 40 to 56 bits: codes 0-3 are the low 4 * bits bits of a 64-bit read, codes 4-7 the
            // next 4 * bits bits, each group of four fitting one 32-bit word
            long run = BitPacker.int64(packed, i * bits / 8);
            IntVector words = IntVector.broadcast(I, (int) run)
                    .blend(IntVector.broadcast(I, (int) (run >>> (4 * bits))), HIGH_LANES);
            IntVector q = words.lanewise(VectorOperators.LSHR, shifts).and(mask);
            vlo.add(((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(vstep)).intoArray(y, i);
        }
    }

    private static int roundUp(int length) {
        return (length + LANES - 1) & -LANES;
    }

    /** {@inheritDoc} */
    @Override
    public void positiveFlags(float[] x, int length, byte[] flags) {
        int padded = roundUp(length);
        IntVector ones = IntVector.broadcast(I, 1);
        IntVector zeros = IntVector.zero(I);
        for (int i = 0; i < padded; i += LANES) {
            VectorMask<Integer> positive = FloatVector.fromArray(F, x, i).compare(VectorOperators.GT, 0f).cast(I);
            zeros.blend(ones, positive).convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)
                    .reinterpretAsBytes().intoArray(flags, i);
        }
        // the padding read past length may hold anything
        Arrays.fill(flags, length, (length + 31) & -32, (byte) 0);
    }

    /** {@inheritDoc} */
    @Override
    public void keepMasked(float[] x, int length, byte[] packed, float scale) {
        int padded = roundUp(length);
        FloatVector factor = FloatVector.broadcast(F, scale);
        for (int i = 0; i < padded; i += LANES) {
            IntVector keep = keepLanes(packed[i >>> 3]);
            FloatVector v = FloatVector.fromArray(F, x, i).reinterpretAsInts().and(keep).reinterpretAsFloats();
            (scale != 1f ? v.mul(factor) : v).intoArray(x, i);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void positiveBits(ByteBuffer fp32, int first, int length, byte[] bits) {
        // Lane j of the k-th of four vectors contributes 2^(8k + j) where its test holds, and one
        // reduction gathers 32 bits (JDK 17 compiles VectorMask.toLong, the obvious way, to a
        // slow loop; blends and a reduction run as vector instructions).
        int quads = length & -(4 * LANES);
        IntVector zeros = IntVector.zero(I);
        for (int i = 0; i < quads; i += 4 * LANES) {
            IntVector word = zeros;
            for (int k = 0; k < 4; k++) {
                word = word.or(zeros.blend(BYTE_LANE_WEIGHTS[k], positive(fp32, first + i + k * LANES)));
            }
            int w = word.reduceLanes(VectorOperators.OR);
            for (int k = 0; k < 4; k++) {
                bits[(i >>> 3) + k] = (byte) (w >>> (8 * k));
            }
        }
        int whole = length & -LANES;
        for (int i = quads; i < whole; i += LANES) {
            bits[i >>> 3] = (byte) zeros.blend(BYTE_LANE_WEIGHTS[0], positive(fp32, first + i)).reduceLanes(VectorOperators.OR);
        }
        ScalarKernel.positiveBits(fp32, first, whole, length, bits);
    }

    /** All ones in the lanes whose bit of a mask byte is set, else 0: {@code -((byte >>> lane) & 1)}. */
    private static IntVector keepLanes(byte maskByte) {
        return IntVector.broadcast(I, maskByte).lanewise(VectorOperators.LSHR, LANE_BITS).and(1).neg();
    }

    /** The test {@code x > 0} of eight FP32 elements in place, from element {@code at}. */
    private static VectorMask<Integer> positive(ByteBuffer fp32, int at) {
        return FloatVector.fromByteBuffer(F, fp32, at << 2, ByteOrder.nativeOrder()).compare(VectorOperators.GT, 0f).cast(I);
    }

    /** {@inheritDoc} */
    @Override
    public void keepMasked(ByteBuffer in, ByteBuffer out, int first, int length, byte[] packed, float scale) {
        int whole = length & -LANES;
        FloatVector factor = FloatVector.broadcast(F, scale);
        for (int i = 0; i < whole; i += LANES) {
            int at = (first + i) << 2;
            IntVector keep = keepLanes(packed[i >>> 3]);
            FloatVector v = FloatVector.fromByteBuffer(F, in, at, ByteOrder.nativeOrder())
                    .reinterpretAsInts().and(keep).reinterpretAsFloats();
            (scale != 1f ? v.mul(factor) : v).intoByteBuffer(out, at, ByteOrder.nativeOrder());
        }
        ScalarKernel.keepMasked(in, out, first, whole, length, packed, scale);
    }
}
