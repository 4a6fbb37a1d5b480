package ai.actnn.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

class BitAllocatorTest {

    private static final int[][] LADDERS = {BitAllocator.ALL_WIDTHS, BitAllocator.POWER_OF_TWO_WIDTHS};

    private static boolean onLadder(int b, int[] ladder) {
        return Arrays.stream(ladder).anyMatch(v -> v == b);
    }

    private static long used(int[] bits, long[] w) {
        long s = 0;
        for (int i = 0; i < bits.length; i++) {
            s += (long) bits[i] * w[i];
        }
        return s;
    }

    private static double cost(double[] c, int[] bits) {
        double s = 0;
        for (int i = 0; i < bits.length; i++) {
            s += BitAllocator.variance(c[i], bits[i]);
        }
        return s;
    }

    @Test
    void meetsAnAverageBudgetExactlyAndStaysOnTheLadder() {
        Random r = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(64);
            double[] c = new double[n];
            long[] w = new long[n];
            for (int i = 0; i < n; i++) {
                c[i] = Math.exp(r.nextGaussian() * 3);
                w[i] = 1;
            }
            for (int[] ladder : LADDERS) {
                for (int avg : ladder) {
                    int[] bits = BitAllocator.allocate(c, w, (long) avg * n, ladder);
                    assertEquals((long) avg * n, used(bits, w), "average " + avg + " over " + n);
                    for (int b : bits) {
                        assertTrue(onLadder(b, ladder), "bits " + b);
                    }
                }
            }
            // with every width, any whole number of bits per item is spent exactly
            long odd = 3L * n + r.nextInt(n);
            assertEquals(odd, used(BitAllocator.allocate(c, w, odd), w));
        }
    }

    @Test
    void neverExceedsTheBudgetAndNeverLeavesOneToEight() {
        Random r = new Random(2);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(20);
            double[] c = new double[n];
            long[] w = new long[n];
            for (int i = 0; i < n; i++) {
                c[i] = r.nextDouble() * 100;
                w[i] = 1 + r.nextInt(1000);
            }
            long budget = r.nextInt((int) (used(fill(n, 9), w)));
            int[] bits = BitAllocator.allocate(c, w, budget);
            long floor = used(fill(n, 1), w);
            assertTrue(used(bits, w) <= Math.max(budget, floor));
            for (int b : bits) {
                assertTrue(b >= 1 && b <= 8);
            }
        }
        long[] w = {5, 5};
        assertArrayEquals(new int[] {1, 1}, BitAllocator.allocate(new double[] {1, 1}, w, 3));
        assertArrayEquals(new int[] {8, 8}, BitAllocator.allocate(new double[] {1, 1}, w, 1000));
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void spendsBitsWhereTheSensitivityIs() {
        double[] c = {1000, 1, 1, 1};
        int[] bits = BitAllocator.allocate(c, new long[] {1, 1, 1, 1}, 8);
        assertTrue(bits[0] > bits[1], Arrays.toString(bits));
        assertEquals(8, Arrays.stream(bits).sum());
    }

    @Test
    void isCloseToTheOptimumOnSmallProblems() {
        // Samples of one layer have equal weights: the allocation is then exact.
        Random r = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(6);
            double[] c = new double[n];
            long[] w = new long[n];
            for (int i = 0; i < n; i++) {
                c[i] = Math.exp(r.nextGaussian() * 2);
                w[i] = 1;
            }
            long budget = used(fill(n, 1), w) + r.nextInt((int) (7 * used(fill(n, 1), w)) + 1);
            for (int[] ladder : LADDERS) {
                int[] bits = BitAllocator.allocate(c, w, budget, ladder);
                double best = bruteForce(c, w, budget, new int[n], 0, ladder);
                assertTrue(cost(c, bits) <= best * (1 + 1e-9) + 1e-12,
                        "allocation " + cost(c, bits) + " optimum " + best + " on " + Arrays.toString(ladder));
            }
        }

    }

    private static double bruteForce(double[] c, long[] w, long budget, int[] bits, int i, int[] ladder) {
        if (i == bits.length) {
            return used(bits, w) <= budget ? cost(c, bits) : Double.POSITIVE_INFINITY;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int b : ladder) {
            bits[i] = b;
            best = Math.min(best, bruteForce(c, w, budget, bits, i + 1, ladder));
        }
        return best;
    }

    @Test
    void everyWidthNeverDoesWorseThanPowersOfTwoAtTheSameBudget() {
        // {1, 2, 4, 8} is a subset of the widths: the optimum over all of them can only be lower,
        // and at budgets between the powers of two it is strictly lower.
        Random r = new Random(5);
        int strictlyBetter = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + r.nextInt(40);
            double[] c = new double[n];
            long[] w = new long[n];
            for (int i = 0; i < n; i++) {
                c[i] = Math.exp(r.nextGaussian() * 2);
                w[i] = 1;
            }
            long budget = n + r.nextInt(7 * n);
            double all = cost(c, BitAllocator.allocate(c, w, budget, BitAllocator.ALL_WIDTHS));
            double pow2 = cost(c, BitAllocator.allocate(c, w, budget, BitAllocator.POWER_OF_TWO_WIDTHS));
            assertTrue(all <= pow2 * (1 + 1e-12), all + " > " + pow2);
            strictlyBetter += all < pow2 * 0.999 ? 1 : 0;
        }
        assertTrue(strictlyBetter > 150, strictlyBetter + " of 200 strictly better");
    }

    @Test
    void rejectsWidthsOutsideTheFormat() {
        double[] c = {1};
        long[] w = {1};
        assertThrows(IllegalArgumentException.class, () -> BitAllocator.allocate(c, w, 4, new int[] {2, 4, 8}));
        assertThrows(IllegalArgumentException.class, () -> BitAllocator.allocate(c, w, 4, new int[] {1, 4, 9}));
        assertThrows(IllegalArgumentException.class, () -> BitAllocator.allocate(c, w, 4, new int[] {1, 4, 4, 8}));
    }

    @Test
    void acrossLayersTheGreedyStaysWithinOneStepOfTheBudget() {
        Random r = new Random(4);
        for (int trial = 0; trial < 100; trial++) {
            int n = 50 + r.nextInt(500);
            double[] c = new double[n];
            long[] w = new long[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                c[i] = Math.exp(r.nextGaussian() * 3);
                w[i] = 1000 * (1 + r.nextInt(64));
                total += w[i];
            }
            long budget = 2 * total;
            int[] bits = BitAllocator.allocate(c, w, budget);
            long used = used(bits, w);
            assertTrue(used <= budget && budget - used <= 4 * 64000, "used " + used + " of " + budget);
        }
    }

    @Test
    void nonFiniteSensitivitiesStillGiveAValidAllocation() {
        double[] c = {Double.POSITIVE_INFINITY, Double.NaN, Double.POSITIVE_INFINITY, 1, 0, Double.MAX_VALUE, 3, 1e300};
        long[] w = new long[c.length];
        Arrays.fill(w, 1);
        int[] bits = BitAllocator.allocate(c, w, 16);
        assertEquals(16, used(bits, w), Arrays.toString(bits));
        for (int b : bits) {
            assertTrue(b >= 1 && b <= 8);
        }
        long[] wide = new long[c.length];
        Arrays.fill(wide, 1000);
        assertTrue(used(BitAllocator.allocate(c, wide, 16000), wide) <= 16000);
    }

    @Test
    void rejectsBadWeights() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BitAllocator.allocate(new double[] {1}, new long[] {0}, 8));
        assertTrue(e.getMessage().contains("weight 0"));
    }
}
