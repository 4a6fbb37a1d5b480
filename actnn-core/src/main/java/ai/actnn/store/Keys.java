package ai.actnn.store;

import ai.actnn.quant.CounterRng;

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
        return CounterRng.mix(a * CounterRng.GOLDEN_GAMMA + b);
    }
}
