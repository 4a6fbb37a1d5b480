package ai.actnn.quant.cpu;

import ai.actnn.quant.CounterRng;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The group arithmetic with 256-bit vectors of the incubating Vector API ({@code --add-modules
 * jdk.incubator.vector}), bit-identical to {@link ScalarKernel}: the same IEEE binary32 operations
 * in the same order, each rounded separately.
 *
 * <p>Two operations avoid what JDK 17 compiles poorly: the float-to-int conversion (not
 * intrinsified: floor is computed with the 2^23 rounding trick, exact for the values in {@code
 * [0, 2^23)} that clamping leaves), and the pairing of random numbers (each 64-bit lane hashes one
 * pair of elements and is reinterpreted as the pair's two 32-bit lanes).
 */
final class VectorKernel implements GroupKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_256;
    private static final int LANES = 8;
    private static final float TWO_POW_23 = 0x1p23f;
    private static final int TWO_POW_23_BITS = Float.floatToRawIntBits(TWO_POW_23);
    private static final LongVector PAIR_STEPS =
            LongVector.fromArray(L, new long[] {0, CounterRng.GOLDEN_GAMMA, 2 * CounterRng.GOLDEN_GAMMA,
                3 * CounterRng.GOLDEN_GAMMA}, 0);
    private static final long FOUR_PAIRS = 4 * CounterRng.GOLDEN_GAMMA;
    /**
     * Per-lane shifts that bring code {@code lane} of eight {@code bits}-bit codes to bit 0: from
     * one 32-bit word up to 4 bits ({@code lane * bits}), and from two words, codes 0-3 and codes
     * 4-7 each starting at bit 0 of its own, for 5 to 7 bits ({@code (lane % 4) * bits}).
     */
    private static final IntVector[] SHIFTS = new IntVector[9];
    /** Lane {@code i} holds {@code i}: the bit of a mask byte that each lane tests. */
    private static final IntVector LANE_BITS = IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0);
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
        // Compare-and-blend is about half the work of the NaN-propagating min/max; NaN, which
        // compares false, is caught by v - v instead (NaN for NaN and infinities, else 0),
        // and a group with either is reported as NaN.
        FloatVector mn = FloatVector.fromArray(F, x, 0);
        FloatVector mx = mn;
        FloatVector poison = mn.sub(mn);
        for (int i = LANES; i < padded; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            mn = mn.blend(v, v.compare(VectorOperators.LT, mn));
            mx = mx.blend(v, v.compare(VectorOperators.GT, mx));
            poison = poison.add(v.sub(v));
        }
        boolean finite = !Float.isNaN(poison.reduceLanes(VectorOperators.ADD));
        result[0] = finite ? mn.reduceLanes(VectorOperators.MIN) : Float.NaN;
        result[1] = finite ? mx.reduceLanes(VectorOperators.MAX) : Float.NaN;
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
        int offset = (int) (first & 1);
        int padded = roundUp(length);
        if (stochastic) {
            fillRandom(key, first >>> 1, random, padded + offset, scratch.pairs);
        }
        byte[] codes = scratch.codes;
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vinv = FloatVector.broadcast(F, inv);
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        FloatVector zero = FloatVector.zero(F);
        FloatVector top = FloatVector.broadcast(F, (float) levels);
        FloatVector magic = FloatVector.broadcast(F, TWO_POW_23);
        for (int i = 0; i < padded; i += LANES) {
            FloatVector r = stochastic ? FloatVector.fromArray(F, random, i + offset) : half;
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

    /** {@inheritDoc} */
    @Override
    public void uniform(long key, long first, float[] dst, int length, long[] spare) {
        if ((first & 1) != 0) {
            // an odd start would need the rearrangement that encode does with its offset
            CounterRng.fill(key, first, dst, 0, length);
            return;
        }
        fillRandom(key, first >>> 1, dst, length, spare);
    }

    /**
     * Writes the random numbers of elements {@code 2 * pair ...} to {@code dst[0, count)}
     * (rounded up to a multiple of 16). Each 64-bit lane hashes one pair and is rearranged to
     * hold the even element's 24 bits in its low half and the odd element's in its high half,
     * which read as 32-bit lanes is the elements' order.
     *
     * <p>The 64-bit multiplications dominate, and AVX2 has no vector instruction for them: the
     * vector unit emulates them at about the speed of the scalar multiplier. So the scalar units
     * hash the second half of the pairs in the same loop (into {@code spare}), in parallel with
     * the vector unit hashing the first half, and a short loop converts them afterwards.
     */
    private static void fillRandom(long key, long pair, float[] dst, int count, long[] spare) {
        int half = ((count + 2 * LANES - 1) & -(2 * LANES)) / 2; // elements per half, a multiple of 8
        long start = key + pair * CounterRng.GOLDEN_GAMMA;
        LongVector counter = LongVector.broadcast(L, start).add(PAIR_STEPS);
        long scalarCounter = start + (half / 2) * CounterRng.GOLDEN_GAMMA;
        for (int i = 0, p = 0; i < half; i += LANES, p += 4) {
            toUniform(mix(counter)).intoArray(dst, i);
            counter = counter.add(FOUR_PAIRS);
            spare[p] = CounterRng.mix(scalarCounter);
            spare[p + 1] = CounterRng.mix(scalarCounter + CounterRng.GOLDEN_GAMMA);
            spare[p + 2] = CounterRng.mix(scalarCounter + 2 * CounterRng.GOLDEN_GAMMA);
            spare[p + 3] = CounterRng.mix(scalarCounter + 3 * CounterRng.GOLDEN_GAMMA);
            scalarCounter += FOUR_PAIRS;
        }
        for (int i = 0, p = 0; i < half; i += LANES, p += 4) {
            toUniform(LongVector.fromArray(L, spare, p)).intoArray(dst, half + i);
        }
    }

    private static LongVector mix(LongVector z) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    }

    /** Turns four pair hashes into the eight elements' numbers, in element order. */
    private static FloatVector toUniform(LongVector z) {
        LongVector pairBits = z.lanewise(VectorOperators.LSHR, 40)
                .or(z.lanewise(VectorOperators.LSHR, 8).and(0xFFFFFFL).lanewise(VectorOperators.LSHL, 32));
        return ((FloatVector) pairBits.reinterpretAsInts().convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
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
            // all ones where the lane's bit is set, else 0: -((byte >>> lane) & 1)
            IntVector keep = IntVector.broadcast(I, packed[i >>> 3])
                    .lanewise(VectorOperators.LSHR, LANE_BITS).and(1).neg();
            FloatVector v = FloatVector.fromArray(F, x, i).reinterpretAsInts().and(keep).reinterpretAsFloats();
            (scale != 1f ? v.mul(factor) : v).intoArray(x, i);
        }
    }
}
