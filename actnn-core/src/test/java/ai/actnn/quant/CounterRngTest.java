package ai.actnn.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Checks the random numbers against SplitMix64's known output and the per-element formula. */
class CounterRngTest {

    @Test
    void seedIsSplitMix64OfTheKeyAndTheHighHalf() {
        // SplitMix64 seeded with 0 first returns 0xE220A8397B1DCDAF: the seed of block 1 with key 0
        assertEquals((int) 0xE220A8397B1DCDAFL, CounterRng.seed(0, 1L << 32));
        assertEquals(0, CounterRng.seed(0, (1L << 32) - 1));
    }

    @Test
    void hashIsLowbias32OfTheWeylSequence() {
        // lowbias32 maps 0 to 0, and element 0 of seed 0 is counter 0
        assertEquals(0, CounterRng.hash(0, 0));
        // element 1 of seed 0 is counter 0x9E3779B9; element 0 of seed 0x9E3779B9 is the same
        assertEquals(CounterRng.hash(0, 1), CounterRng.hash(0x9E3779B9, 0));
        assertEquals(CounterRng.hash(5, 1L << 32), CounterRng.hash(5, 0), "only the low half is hashed");
    }

    @Test
    void fillMatchesTheFormulaForAnyStartAndLength() {
        long key = 0x1234_5678_9ABC_DEF0L;
        for (long first : new long[] {0, 1, 2, 7, (1L << 32) - 5, 1L << 40, (1L << 40) + 1}) {
            for (int length : new int[] {0, 1, 2, 3, 17, 256}) {
                float[] dst = new float[length + 2];
                CounterRng.fill(key, first, dst, 1, length);
                for (int j = 0; j < length; j++) {
                    float expected = FormatReference.random(key, first + j);
                    assertEquals(expected, dst[1 + j], 0f, "first " + first + " j " + j);
                    assertEquals(expected, CounterRng.uniform(key, first + j), 0f);
                }
                assertEquals(0f, dst[0], 0f, "fill wrote before its offset");
                assertEquals(0f, dst[length + 1], 0f, "fill wrote past its length");
            }
        }
    }

    @Test
    void numbersAreUniformOnTheUnitInterval() {
        int n = 1 << 16;
        double sum = 0;
        float[] r = new float[n];
        CounterRng.fill(99, 0, r, 0, n);
        for (float v : r) {
            assertTrue(v >= 0f && v < 1f);
            sum += v;
        }
        // mean of n uniforms: standard error sqrt(1/12/n) ~ 0.0011
        assertEquals(0.5, sum / n, 0.006);
    }
}
