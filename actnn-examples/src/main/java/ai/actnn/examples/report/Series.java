package ai.actnn.examples.report;

import java.util.Objects;

/**
 * A named line of points for a chart.
 *
 * <p>x and y must have the same length ({@link IllegalArgumentException} otherwise); the arrays
 * are copied.
 *
 * @param name the legend label (for the ActNN charts: the level)
 * @param x the x values
 * @param y the y values, as many as x
 */
public record Series(String name, double[] x, double[] y) {

    /**
     * Validates the series.
     *
     * @param name see the record description
     * @param x see the record description
     * @param y see the record description
     * @throws IllegalArgumentException for an invalid value
     */
    public Series {
        Objects.requireNonNull(name, "name");
        if (x.length != y.length) {
            throw new IllegalArgumentException(
                    "series " + name + " has " + x.length + " x values but " + y.length + " y values");
        }
        x = x.clone();
        y = y.clone();
    }
}
