package ai.actnn.store;

/** Derives the keys of the random streams of stochastic rounding: one per saved activation. */
public final class Keys {

    private Keys() {}

    /**
     * Mixes two values into a well-distributed 64-bit key (SplitMix64's finaliser over their
     * combination), so that neighbouring steps and layers draw unrelated random numbers.
     *
     * @param a the first value
     * @param b the second value
     * @return the key
     */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
