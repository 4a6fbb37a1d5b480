package ai.actnn.examples.train;

import java.util.Arrays;
import java.util.Collection;

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
        return ofSorted(Arrays.stream(values).asDoubleStream().sorted().toArray());
    }

    /**
     * Returns the median (the mean of the middle two for an even count).
     *
     * @param values the values, not modified
     * @return the median, or NaN for no values
     */
    public static double of(Collection<? extends Number> values) {
        return ofSorted(values.stream().mapToDouble(Number::doubleValue).sorted().toArray());
    }

    private static double ofSorted(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
