package ai.actnn.nn.activation;

import ai.actnn.quant.CodeTable;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;

/**
 * A piecewise-constant approximation of an activation's derivative, for few-bit backward passes
 * (Novikov et al., "Few-bit backward"): the forward stores, per element, only the index of the
 * input interval it falls in ({@code bits} bits), and the backward multiplies the output gradient
 * by that interval's constant. For {@code bits} up to 4 the intervals and constants minimise the
 * mean squared error of the derivative under a standard normal input (the distribution of
 * normalised pre-activations), found by dynamic programming over a fine grid; at 8 bits the 256
 * intervals are uniform on [-4, 4] (plus the two tails), each with its weighted mean derivative.
 *
 * <p>Interval {@code k} is {@code (b[k-1], b[k]]} with {@code b[-1] = -inf} and {@code b[K-1] =
 * +inf}, exactly what {@code torch.bucketize} computes.
 */
public final class DerivativeTable {

    /** GELU's derivative (erf form): {@code Phi(x) + x phi(x)}. */
    public static final DoubleUnaryOperator GELU_DERIVATIVE = x -> normalCdf(x) + x * normalPdf(x);

    /** SiLU's derivative: {@code s (1 + x (1 - s))} with {@code s = sigmoid(x)}. */
    public static final DoubleUnaryOperator SILU_DERIVATIVE =
            x -> {
                double s = 1 / (1 + Math.exp(-x));
                return s * (1 + x * (1 - s));
            };

    private static final double RANGE = 6;
    private static final int COARSE_CELLS = 600;
    private static final int FINE_POINTS = 24_000;
    private static final Map<String, DerivativeTable> CACHE = new ConcurrentHashMap<>();

    private final int bits;
    private final float[] boundaries;
    private final float[] values;
    private final double relativeError;

    private DerivativeTable(int bits, float[] boundaries, float[] values, double relativeError) {
        this.bits = bits;
        this.boundaries = boundaries;
        this.values = values;
        this.relativeError = relativeError;
    }

    /**
     * Returns the table of GELU's derivative at a bit width (computed once per process).
     *
     * @param bits 1, 2, 4 or 8
     * @return the table
     */
    public static DerivativeTable gelu(int bits) {
        return CACHE.computeIfAbsent("gelu" + bits, k -> fit(GELU_DERIVATIVE, bits));
    }

    /**
     * Returns the table of SiLU's derivative at a bit width (swish with {@code beta} uses it at
     * {@code beta * x}, since {@code d/dx [x sigmoid(beta x)] = silu'(beta x)}).
     *
     * @param bits 1, 2, 4 or 8
     * @return the table
     */
    public static DerivativeTable silu(int bits) {
        return CACHE.computeIfAbsent("silu" + bits, k -> fit(SILU_DERIVATIVE, bits));
    }

    /**
     * Fits a table to a derivative.
     *
     * @param derivative the derivative
     * @param bits 1, 2, 4 or 8
     * @return the table
     * @throws IllegalArgumentException for other bit widths
     */
    public static DerivativeTable fit(DoubleUnaryOperator derivative, int bits) {
        if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException(
                    "few-bit activation codes of " + bits + " bits are not supported: allowed are 1, 2, 4, 8");
        }
        int levels = 1 << bits;
        double[] cuts = levels <= 16 ? optimalCuts(derivative, levels) : uniformCuts(levels);
        return withMeans(derivative, bits, cuts);
    }

    /** Boundaries minimising the weighted squared error, by dynamic programming over cells. */
    private static double[] optimalCuts(DoubleUnaryOperator f, int levels) {
        int m = COARSE_CELLS;
        double width = 2 * RANGE / m;
        double[] w = new double[m + 1];
        double[] s1 = new double[m + 1];
        double[] s2 = new double[m + 1];
        for (int i = 0; i < m; i++) {
            double c = -RANGE + (i + 0.5) * width;
            double weight = normalPdf(c) * width;
            double v = f.applyAsDouble(c);
            w[i + 1] = w[i] + weight;
            s1[i + 1] = s1[i] + weight * v;
            s2[i + 1] = s2[i] + weight * v * v;
        }
        double[][] best = new double[levels + 1][m + 1];
        int[][] from = new int[levels + 1][m + 1];
        for (double[] row : best) {
            Arrays.fill(row, Double.POSITIVE_INFINITY);
        }
        best[0][0] = 0;
        for (int k = 1; k <= levels; k++) {
            for (int j = k; j <= m; j++) {
                for (int i = k - 1; i < j; i++) {
                    if (best[k - 1][i] == Double.POSITIVE_INFINITY) {
                        continue;
                    }
                    double cw = w[j] - w[i];
                    double cs = s1[j] - s1[i];
                    double cost = s2[j] - s2[i] - (cw > 0 ? cs * cs / cw : 0);
                    double total = best[k - 1][i] + cost;
                    if (total < best[k][j]) {
                        best[k][j] = total;
                        from[k][j] = i;
                    }
                }
            }
        }
        double[] cuts = new double[levels - 1];
        int j = m;
        for (int k = levels; k > 1; k--) {
            j = from[k][j];
            cuts[k - 2] = -RANGE + j * width;
        }
        return cuts;
    }

    private static double[] uniformCuts(int levels) {
        double[] cuts = new double[levels - 1];
        for (int k = 0; k < cuts.length; k++) {
            cuts[k] = -4 + 8.0 * k / (cuts.length - 1);
        }
        return cuts;
    }

    /** Each interval's weighted mean derivative, and the relative error of the whole table. */
    private static DerivativeTable withMeans(DoubleUnaryOperator f, int bits, double[] cuts) {
        int levels = cuts.length + 1;
        double[] w = new double[levels];
        double[] s1 = new double[levels];
        double[] s2 = new double[levels];
        double step = 2 * RANGE / FINE_POINTS;
        int k = 0;
        for (int i = 0; i < FINE_POINTS; i++) {
            double x = -RANGE + (i + 0.5) * step;
            while (k < cuts.length && x > cuts[k]) {
                k++;
            }
            double weight = normalPdf(x) * step;
            double v = f.applyAsDouble(x);
            w[k] += weight;
            s1[k] += weight * v;
            s2[k] += weight * v * v;
        }
        float[] values = new float[levels];
        double error = 0;
        double norm = 0;
        for (int j = 0; j < levels; j++) {
            double mean = w[j] > 0 ? s1[j] / w[j] : f.applyAsDouble(j == 0 ? -RANGE : RANGE);
            values[j] = (float) mean;
            error += s2[j] - 2 * mean * s1[j] + mean * mean * w[j];
            norm += s2[j];
        }
        float[] boundaries = new float[cuts.length];
        for (int j = 0; j < cuts.length; j++) {
            boundaries[j] = (float) cuts[j];
        }
        return new DerivativeTable(bits, boundaries, values, Math.sqrt(Math.max(error, 0) / norm));
    }

    /**
     * Returns the bits per element of the codes.
     *
     * @return 1, 2, 4 or 8
     */
    public int bits() {
        return bits;
    }

    /**
     * Returns the interval boundaries, ascending ({@code 2^bits - 1} of them).
     *
     * @return a copy of the boundaries
     */
    public float[] boundaries() {
        return boundaries.clone();
    }

    /**
     * Returns the derivative's constant in each interval ({@code 2^bits} of them).
     *
     * @return a copy of the values
     */
    public float[] values() {
        return values.clone();
    }

    /**
     * Returns the table's relative root-mean-square error of the derivative for standard normal
     * inputs, {@code sqrt(E[(f'(x) - table(x))^2] / E[f'(x)^2])}: the expected relative error of
     * the input gradient when the output gradient is independent of the input.
     *
     * @return the relative error
     */
    public double relativeError() {
        return relativeError;
    }

    /**
     * Returns the table's value at {@code x} (the derivative's approximation).
     *
     * @param x the input
     * @return the constant of x's interval
     */
    public float valueAt(double x) {
        int k = 0;
        while (k < boundaries.length && x > boundaries[k]) {
            k++;
        }
        return values[k];
    }

    private static double normalPdf(double x) {
        return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    private static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double poly = 0;
        for (int i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) {
            poly = poly * t + ERFC_COEFFICIENTS[i];
        }
        double r = t * Math.exp(-z * z + poly);
        return x >= 0 ? r : 2 - r;
    }

    private static final double[] ERFC_COEFFICIENTS = {
        -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
        0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277
    };

    /**
     * Returns this table as the packed format's code table.
     *
     * @return the code table
     */
    public CodeTable codeTable() {
        return new CodeTable(boundaries(), values(), bits());
    }
}
