package ai.actnn.examples.train;

import java.util.Arrays;

/** Medians of measurements (robust to the odd slow iteration). */
public final class Medians {

    private Medians() {}

    /**
     * Returns the median (the mean of the middle two for an even count).
     *
     * @param values the values, not modified
     * @return the median, or NaN for no values
     */
    public static double of(long[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + (double) sorted[mid]) / 2;
    }
}
