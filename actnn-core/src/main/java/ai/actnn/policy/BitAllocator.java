package ai.actnn.policy;

import java.util.PriorityQueue;

/**
 * ActNN's bit allocation: chooses bits {@code b_i} in {1, 2, 4, 8} (the widths the packed format
 * stores) that minimise the quantization variance {@code sum C_i / (2^b_i - 1)^2} subject to the
 * memory budget {@code sum b_i * w_i <= budget}.
 *
 * <p>When every item weighs the same (the samples of one layer) and the problem is small enough,
 * an exact dynamic programme solves it. Otherwise (across layers), greedy marginal analysis as
 * ActNN's {@code calc_precision}: start everyone at 8 bits and repeatedly take the step down the
 * ladder that adds the least variance per bit saved until the budget holds, then spend what is
 * left on the steps up that remove the most variance per bit. The cost is convex in the bits, so
 * the greedy loses at most what one step's worth of unused budget would have bought, which is
 * negligible across many items. Ties go to the lower index: results are deterministic.
 */
public final class BitAllocator {

    private static final int[] LADDER = {1, 2, 4, 8};

    private BitAllocator() {}

    /**
     * Allocates bits.
     *
     * @param sensitivity {@code C_i >= 0}, one per item (NaN or infinite values count as huge)
     * @param weight {@code w_i > 0}, the elements each bit of item {@code i} costs
     * @param budget the total bits allowed
     * @return the bits of each item, in {1, 2, 4, 8}; all 1 if even that exceeds the budget
     */
    public static int[] allocate(double[] sensitivity, long[] weight, long budget) {
        int n = sensitivity.length;
        if (weight.length != n) {
            throw new IllegalArgumentException(
                    "sensitivities for " + n + " items but weights for " + weight.length);
        }
        boolean equalWeights = true;
        for (int i = 0; i < n; i++) {
            if (weight[i] <= 0) {
                throw new IllegalArgumentException("weight " + weight[i] + " of item " + i + " is not positive");
            }
            equalWeights &= weight[i] == weight[0];
        }
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            // Unknown or non-finite sensitivities (a sample whose activation overflowed) count as
            // the largest: capped so that sums over any number of items stay finite.
            double v = sensitivity[i];
            c[i] = Double.isNaN(v) ? MAX_SENSITIVITY : Math.min(MAX_SENSITIVITY, Math.max(0, v));
        }
        if (n > 0 && equalWeights) {
            long units = Math.min(budget / weight[0], 8L * n);
            if (units >= n && (long) n * (units + 1) <= EXACT_LIMIT) {
                return exact(c, (int) units);
            }
        }
        return greedy(c, weight, budget);
    }

    /** The largest sensitivity used; sums of a billion of them are still finite. */
    private static final double MAX_SENSITIVITY = 1e290;

    /** Largest table of the exact programme (items x budget units). */
    private static final long EXACT_LIMIT = 4_000_000L;

    /** Exact minimum for items of equal weight with {@code units} bits in all (units >= n). */
    private static int[] exact(double[] c, int units) {
        int n = c.length;
        // best[u] = least cost of the items so far using exactly u bits; choice[i][u] = ladder index.
        double[] best = new double[units + 1];
        java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
        best[0] = 0;
        byte[][] choice = new byte[n][units + 1];
        for (int i = 0; i < n; i++) {
            double[] next = new double[units + 1];
            java.util.Arrays.fill(next, Double.POSITIVE_INFINITY);
            for (int u = 0; u <= units; u++) {
                if (best[u] == Double.POSITIVE_INFINITY) {
                    continue;
                }
                for (int l = 0; l < LADDER.length; l++) {
                    int v = u + LADDER[l];
                    if (v > units) {
                        break;
                    }
                    double cost = best[u] + variance(c[i], LADDER[l]);
                    if (cost < next[v]) {
                        next[v] = cost;
                        choice[i][v] = (byte) l;
                    }
                }
            }
            best = next;
        }
        // The cheapest end state; on ties (costs too far apart to add up exactly) the one that
        // spends more of the budget.
        int end = -1;
        for (int u = 0; u <= units; u++) {
            if (best[u] != Double.POSITIVE_INFINITY && (end < 0 || best[u] <= best[end])) {
                end = u;
            }
        }
        if (end < 0) {
            throw new IllegalStateException("no allocation of " + n + " items in " + units + " bits");
        }
        int[] bits = new int[n];
        for (int i = n - 1; i >= 0; i--) {
            bits[i] = LADDER[choice[i][end]];
            end -= bits[i];
        }
        return bits;
    }

    private static int[] greedy(double[] c, long[] weight, long budget) {
        int n = c.length;
        int[] level = new int[n];
        long used = 0;
        for (int i = 0; i < n; i++) {
            level[i] = LADDER.length - 1;
            used += 8 * weight[i];
        }
        // Steps down: smallest added variance per bit saved first.
        PriorityQueue<Move> down = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            down.add(Move.down(i, level[i], c[i], weight[i]));
        }
        while (used > budget && !down.isEmpty()) {
            Move m = down.poll();
            level[m.item] = m.to;
            used -= (long) (LADDER[m.from] - LADDER[m.to]) * weight[m.item];
            if (m.to > 0) {
                down.add(Move.down(m.item, m.to, c[m.item], weight[m.item]));
            }
        }
        // Steps up with what is left: largest removed variance per bit first.
        PriorityQueue<Move> up = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (level[i] < LADDER.length - 1) {
                up.add(Move.up(i, level[i], c[i], weight[i]));
            }
        }
        while (!up.isEmpty()) {
            Move m = up.poll();
            long cost = (long) (LADDER[m.to] - LADDER[m.from]) * weight[m.item];
            if (used + cost > budget) {
                continue; // cannot afford this one; a cheaper one may still fit
            }
            level[m.item] = m.to;
            used += cost;
            if (m.to < LADDER.length - 1) {
                up.add(Move.up(m.item, m.to, c[m.item], weight[m.item]));
            }
        }
        int[] bits = new int[n];
        for (int i = 0; i < n; i++) {
            bits[i] = LADDER[level[i]];
        }
        return bits;
    }

    /**
     * Returns the variance term of one item at some bits: {@code C / (2^b - 1)^2}.
     *
     * @param sensitivity C
     * @param bits b
     * @return the variance
     */
    public static double variance(double sensitivity, int bits) {
        double q = (1 << bits) - 1;
        return sensitivity / (q * q);
    }

    /** One step along the ladder, ordered by its value per bit. */
    private static final class Move implements Comparable<Move> {
        final int item;
        final int from;
        final int to;
        final double key;

        private Move(int item, int from, int to, double key) {
            this.item = item;
            this.from = from;
            this.to = to;
            this.key = key;
        }

        static Move down(int item, int from, double c, long w) {
            int to = from - 1;
            double added = variance(c, LADDER[to]) - variance(c, LADDER[from]);
            return new Move(item, from, to, added / ((LADDER[from] - LADDER[to]) * (double) w));
        }

        static Move up(int item, int from, double c, long w) {
            int to = from + 1;
            double removed = variance(c, LADDER[from]) - variance(c, LADDER[to]);
            // Largest removal first: order by its negation.
            return new Move(item, from, to, -removed / ((LADDER[to] - LADDER[from]) * (double) w));
        }

        @Override
        public int compareTo(Move o) {
            int k = Double.compare(key, o.key);
            return k != 0 ? k : Integer.compare(item, o.item);
        }
    }
}
