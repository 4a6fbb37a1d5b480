package ai.actnn.quant;

/**
 * The counter-based random numbers of stochastic rounding ({@code docs/format.md}, "The random
 * numbers"): element {@code i} of a tensor gets a number in {@code [0, 1)} that depends only on the
 * key and {@code i}, so every backend, thread and chunking draws the same number for the same
 * element.
 *
 * <p>Each element is hashed on its own with 32-bit integer arithmetic (a Weyl sequence through the
 * {@code lowbias32} finaliser), which 256-bit vector units run eight lanes at a time: AVX2 has
 * 32-bit but no 64-bit vector multiplication. The 64-bit key and the index's high half enter once
 * per 2^32 elements, through SplitMix64's finaliser, as the sequence's 32-bit seed.
 */
public final class CounterRng {

    /** The golden-ratio increment of SplitMix64, multiplied by the index's high half. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** The 32-bit golden-ratio increment of the per-element Weyl sequence. */
    public static final int WEYL_STEP = 0x9E3779B9;

    /** The first multiplier of {@code lowbias32}. */
    public static final int MIX_1 = 0x7FEB352D;

    /** The second multiplier of {@code lowbias32}. */
    public static final int MIX_2 = 0x846CA68B;

    private static final float TWO_POW_MINUS_24 = 0x1p-24f;

    private CounterRng() {}

    /**
     * Returns the 32-bit seed of the block of 2^32 elements that holds element {@code index}.
     *
     * @param key the key of the stream
     * @param index an element index
     * @return the seed of elements {@code index & ~0xFFFFFFFF} to {@code index | 0xFFFFFFFF}
     */
    public static int seed(long key, long index) {
        return (int) mix(key + (index >>> 32) * GOLDEN_GAMMA);
    }

    /**
     * Returns the 32-bit hash of one element.
     *
     * @param seed the element's {@link #seed}
     * @param index the element's index (only its low 32 bits are used)
     * @return the hash
     */
    public static int hash(int seed, long index) {
        int x = seed + (int) index * WEYL_STEP;
        x = (x ^ (x >>> 16)) * MIX_1;
        x = (x ^ (x >>> 15)) * MIX_2;
        return x ^ (x >>> 16);
    }

    /**
     * Turns a hash into the element's number: its top 24 bits times 2^-24.
     *
     * @param hash a {@link #hash}
     * @return a multiple of 2^-24 in {@code [0, 1)}
     */
    public static float toUnit(int hash) {
        return (hash >>> 8) * TWO_POW_MINUS_24;
    }

    /**
     * Returns the random number of one element.
     *
     * @param key the key of the stream
     * @param index the element's logical row-major index in the tensor
     * @return a multiple of 2^-24 in {@code [0, 1)}
     */
    public static float uniform(long key, long index) {
        return toUnit(hash(seed(key, index), index));
    }

    /**
     * Writes the random numbers of {@code length} consecutive elements starting at element {@code
     * first}.
     *
     * @param key the key of the stream
     * @param first the index of the first element
     * @param dst the destination
     * @param offset where in {@code dst} the first number goes
     * @param length how many numbers
     */
    public static void fill(long key, long first, float[] dst, int offset, int length) {
        int seed = seed(key, first);
        for (int j = 0; j < length; j++) {
            long index = first + j;
            if ((index & 0xFFFFFFFFL) == 0 && j > 0) {
                seed = seed(key, index);
            }
            dst[offset + j] = toUnit(hash(seed, index));
        }
    }

    /**
     * Returns SplitMix64's finaliser of a counter value.
     *
     * @param z the counter
     * @return the hash
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
