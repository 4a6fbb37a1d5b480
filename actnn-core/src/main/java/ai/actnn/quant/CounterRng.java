package ai.actnn.quant;

/**
 * The counter-based random numbers of stochastic rounding ({@code docs/format.md}, "The random
 * numbers"): element {@code i} of a tensor gets a number in {@code [0, 1)} that depends only on the
 * key and {@code i}, so every backend, thread and chunking draws the same number for the same
 * element. One SplitMix64 hash serves a pair of neighbouring elements.
 */
public final class CounterRng {

    /** The golden-ratio increment of SplitMix64, multiplied by the pair index. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private static final float TWO_POW_MINUS_24 = 0x1p-24f;

    private CounterRng() {}

    /**
     * Returns the 64-bit hash of one pair of elements.
     *
     * @param key the key of the stream
     * @param pair the pair index, {@code i >>> 1}
     * @return the hash
     */
    public static long pairHash(long key, long pair) {
        return mix(key + pair * GOLDEN_GAMMA);
    }

    /**
     * Returns the random number of one element.
     *
     * @param key the key of the stream
     * @param index the element's logical row-major index in the tensor
     * @return a multiple of 2^-24 in {@code [0, 1)}
     */
    public static float uniform(long key, long index) {
        long z = pairHash(key, index >>> 1);
        return (index & 1) == 0 ? even(z) : odd(z);
    }

    /**
     * Writes the random numbers of {@code length} consecutive elements starting at element {@code
     * first}, hashing each pair once.
     *
     * @param key the key of the stream
     * @param first the index of the first element
     * @param dst the destination
     * @param offset where in {@code dst} the first number goes
     * @param length how many numbers
     */
    public static void fill(long key, long first, float[] dst, int offset, int length) {
        int j = offset;
        int end = offset + length;
        long pair = first >>> 1;
        if ((first & 1) != 0 && j < end) {
            dst[j++] = odd(pairHash(key, pair++));
        }
        // Stepping the counter by addition gives the same 64-bit value as key + pair * gamma.
        long counter = key + pair * GOLDEN_GAMMA;
        for (; j + 1 < end; j += 2) {
            long z = mix(counter);
            counter += GOLDEN_GAMMA;
            dst[j] = even(z);
            dst[j + 1] = odd(z);
        }
        if (j < end) {
            dst[j] = even(mix(counter));
        }
    }

    /**
     * Returns SplitMix64's finaliser of a counter value.
     *
     * @param z the counter, {@code key + pair * GOLDEN_GAMMA}
     * @return the hash
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static float even(long z) {
        return (int) (z >>> 40) * TWO_POW_MINUS_24;
    }

    private static float odd(long z) {
        return (int) ((z >>> 8) & 0xFFFFFF) * TWO_POW_MINUS_24;
    }
}
