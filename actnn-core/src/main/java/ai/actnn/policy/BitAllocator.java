package ai.actnn.policy;

import java.util.PriorityQueue;

/**
 * ActNN's bit allocation: chooses bits {@code b_i} among the widths the packed format stores
 * (every integer from 1 to 8 by default, or a given set such as ActNN's {1, 2, 4, 8}) that minimise
 * the quantization variance {@code sum C_i / (2^b_i - 1)^2} subject to the memory budget {@code sum
 * b_i * w_i <= budget}.
 *
 * <p>When every item weighs the same (the samples of one layer) and the problem is small enough,
 * an exact dynamic programme solves it. Otherwise (across layers), greedy marginal analysis as
 * ActNN's {@code calc_precision}: start everyone at 8 bits and repeatedly take the step down the
 * ladder of widths that adds the least variance per bit saved until the budget holds, then spend
 * what is left on the steps up that remove the most variance per bit. The cost is convex in the
 * bits, so the greedy loses at most what one step's worth of unused budget would have bought, which
 * is negligible across many items. Ties go to the lower index: results are deterministic.
 *
 * <p>With every width available, the steps are one bit: a budget of 2.5 bits per item buys
 * half of the items 3 bits instead of choosing between 2 and 4, and each step's variance ratio
 * ({@code (2^(b+1) - 1)^2 / (2^b - 1)^2}, about 4) is smaller than a doubling's (about 16 to 64),
 * so the same budget reaches a lower variance.
 */
public final class BitAllocator {

    /** Every width of the packed format: 1 to 8 bits. */
    public static final int[] ALL_WIDTHS = {1, 2, 3, 4, 5, 6, 7, 8};

    /** ActNN's widths (powers of two), for comparisons. */
    public static final int[] POWER_OF_TWO_WIDTHS = {1, 2, 4, 8};

    private BitAllocator() {}

    /**
     * Allocates bits among all widths from 1 to 8.
     *
     * @param sensitivity {@code C_i >= 0}, one per item (NaN or infinite values count as huge)
     * @param weight {@code w_i > 0}, the elements each bit of item {@code i} costs
     * @param budget the total bits allowed
     * @return the bits of each item, from 1 to 8; all 1 if even that exceeds the budget
     */
    public static int[] allocate(double[] sensitivity, long[] weight, long budget) {
        return allocate(sensitivity, weight, budget, ALL_WIDTHS);
    }

    /**
     * Allocates bits among a given set of widths.
     *
     * @param sensitivity {@code C_i >= 0}, one per item (NaN or infinite values count as huge)
     * @param weight {@code w_i > 0}, the elements each bit of item {@code i} costs
     * @param budget the total bits allowed
     * @param widths the allowed widths, ascending, each from 1 to 8, starting at 1 and ending at 8
     * @return the bits of each item, among {@code widths}; all 1 if even that exceeds the budget
     */
    public static int[] allocate(double[] sensitivity, long[] weight, long budget, int[] widths) {
        int[] ladder = checkWidths(widths);
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
                return exact(c, (int) units, ladder);
            }
        }
        return greedy(c, weight, budget, ladder);
    }

    /**
     * Checks a set of widths.
     *
     * @param widths ascending widths from 1 to 8, starting at 1 and ending at 8
     * @return a copy
     * @throws IllegalArgumentException otherwise
     */
    static int[] checkWidths(int[] widths) {
        if (widths == null || widths.length == 0 || widths[0] != 1 || widths[widths.length - 1] != 8) {
            throw new IllegalArgumentException(
                    "widths " + java.util.Arrays.toString(widths) + " are invalid: allowed are ascending widths from 1 to 8");
        }
        for (int i = 1; i < widths.length; i++) {
            if (widths[i] <= widths[i - 1]) {
                throw new IllegalArgumentException(
                        "widths " + java.util.Arrays.toString(widths) + " are not strictly ascending");
            }
        }
        return widths.clone();
    }

    /** The largest sensitivity used; sums of a billion of them are still finite. */
    private static final double MAX_SENSITIVITY = 1e290;

    /** Largest table of the exact programme (items x budget units). */
    private static final long EXACT_LIMIT = 4_000_000L;

    /** Exact minimum for items of equal weight with {@code units} bits in all (units >= n). */
    private static int[] exact(double[] c, int units, int[] ladder) {
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
                for (int l = 0; l < ladder.length; l++) {
                    int v = u + ladder[l];
                    if (v > units) {
                        break;
                    }
                    double cost = best[u] + variance(c[i], ladder[l]);
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
            bits[i] = ladder[choice[i][end]];
            end -= bits[i];
        }
        return bits;
    }

    private static int[] greedy(double[] c, long[] weight, long budget, int[] ladder) {
        int n = c.length;
        int[] level = new int[n];
        long used = 0;
        for (int i = 0; i < n; i++) {
            level[i] = ladder.length - 1;
            used += 8 * weight[i];
        }
        // Steps down: smallest added variance per bit saved first.
        PriorityQueue<Move> down = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            down.add(Move.down(ladder, i, level[i], c[i], weight[i]));
        }
        while (used > budget && !down.isEmpty()) {
            Move m = down.poll();
            level[m.item] = m.to;
            used -= (long) (ladder[m.from] - ladder[m.to]) * weight[m.item];
            if (m.to > 0) {
                down.add(Move.down(ladder, m.item, m.to, c[m.item], weight[m.item]));
            }
        }
        // Steps up with what is left: largest removed variance per bit first.
        PriorityQueue<Move> up = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (level[i] < ladder.length - 1) {
                up.add(Move.up(ladder, i, level[i], c[i], weight[i]));
            }
        }
        while (!up.isEmpty()) {
            Move m = up.poll();
            long cost = (long) (ladder[m.to] - ladder[m.from]) * weight[m.item];
            if (used + cost > budget) {
                continue; // cannot afford this one; a cheaper one may still fit
            }
            level[m.item] = m.to;
            used += cost;
            if (m.to < ladder.length - 1) {
                up.add(Move.up(ladder, m.item, m.to, c[m.item], weight[m.item]));
            }
        }
        int[] bits = new int[n];
        for (int i = 0; i < n; i++) {
            bits[i] = ladder[level[i]];
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

        static Move down(int[] ladder, int item, int from, double c, long w) {
            int to = from - 1;
            double added = variance(c, ladder[to]) - variance(c, ladder[from]);
            return new Move(item, from, to, added / ((ladder[from] - ladder[to]) * (double) w));
        }

        static Move up(int[] ladder, int item, int from, double c, long w) {
            int to = from + 1;
            double removed = variance(c, ladder[from]) - variance(c, ladder[to]);
            // Largest removal first: order by its negation.
            return new Move(item, from, to, -removed / ((ladder[to] - ladder[from]) * (double) w));
        }

        @Override
        public int compareTo(Move o) {
            int k = Double.compare(key, o.key);
            return k != 0 ? k : Integer.compare(item, o.item);
        }
    }
}
