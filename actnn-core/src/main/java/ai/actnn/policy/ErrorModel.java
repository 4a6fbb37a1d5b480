package ai.actnn.policy;

import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The activation side of the auto level's error model ({@code docs/levels.md}, "auto"): bounds on
 * the variance that stochastic rounding adds to each element, from the group statistics, and their
 * sums and maxima over the units a layer's gradient mixes (channels, rows).
 *
 * <p>For a group with minimum {@code mn} and maximum {@code mx}, the step the format gives it at
 * {@code b} bits ({@code B = 2^b - 1}), with FP16 or FP32 records, is at most {@code R''/B} where
 * {@code R'' = (mx - mn + 2^-10 |mn| + 2^-24) (1 + 2^-9) + 255 * 2^-24} (the 16-bit rounding of
 * {@code lo} down and of {@code step} up, and the fp32 roundings, included). Stochastic rounding
 * moves an element by {@code step * (q - t)}, a variable of mean zero and variance {@code step^2 f
 * (1 - f) <= step^2 / 4} ({@code f} the fractional part of {@code t}), independent of every other
 * element's. So each element's added variance is at most {@code u / B^2} with {@code u = R''^2 /
 * 4}, for every width at once.
 */
final class ErrorModel {

    /**
     * The allowance for the deterministic part of the rounding error, per term of a gradient
     * entry's sum: {@code t} is computed in fp32 to within {@code 2^-12 step} ({@code
     * docs/format.md}), a bias that adds at most {@code P * 2^-22} times the variance bound to the
     * squared error of a sum of {@code P} terms (Cauchy-Schwarz on the bias, none on the noise).
     */
    static final double ROUNDING_PER_TERM = 0x1p-22;

    private ErrorModel() {}

    /**
     * Returns {@code u = R''^2 / 4} for every group, {@code +Infinity} for a non-finite group.
     *
     * @param minMax the groups' {@code (min, max)} pairs ({@link GroupStats#groupMinMax})
     * @return one value per group
     */
    static double[] groupTerms(float[] minMax) {
        double[] u = new double[minMax.length / 2];
        for (int g = 0; g < u.length; g++) {
            double mn = minMax[2 * g];
            double mx = minMax[2 * g + 1];
            if (Double.isNaN(mn) || Double.isNaN(mx)) {
                u[g] = Double.POSITIVE_INFINITY;
                continue;
            }
            double r = (mx - mn + 0x1p-10 * Math.abs(mn) + 0x1p-24) * (1 + 0x1p-9) + 255 * 0x1p-24;
            u[g] = r * r / 4;
        }
        return u;
    }

    /**
     * Returns the group terms of a tensor: from every group's minimum and maximum when the backend
     * keeps them, otherwise (statistics of a foreign backend) from each sample's sum of range
     * squares, which bounds the square of its largest range, given to every group of the sample.
     *
     * @param stats the statistics
     * @return one value per group, groups {@code n * S + s}
     */
    static double[] groupTerms(GroupStats stats) {
        float[] minMax = stats.groupMinMax();
        if (minMax != null) {
            return groupTerms(minMax);
        }
        float[] sums = stats.sampleRangeSquares();
        int perSample = (int) PackedLayout.groupsPerSample(stats.getShape(), stats.getGroupSize());
        double[] u = new double[sums.length * perSample];
        for (int n = 0; n < sums.length; n++) {
            double r = Math.sqrt(sums[n]) * (1 + 0x1p-9) + 255 * 0x1p-24;
            java.util.Arrays.fill(u, n * perSample, (n + 1) * perSample, r * r / 4);
        }
        return u;
    }

    /**
     * Returns, for every unit (a run of {@code unitLength} consecutive features of a sample: a
     * channel's plane, a row), the largest group term among the groups that hold any of its
     * elements ({@code max = true}) or the sum of its elements' group terms ({@code max = false}).
     *
     * @param u the group terms, groups {@code n * S + s}
     * @param samples N
     * @param features F, a multiple of {@code unitLength}
     * @param groupSize G
     * @param unitLength the unit's length
     * @param max the maximum (true) or the sum (false)
     * @return {@code N * F / unitLength} values, units {@code n * (F / L) + k}
     */
    static double[] perUnit(double[] u, int samples, long features, int groupSize, long unitLength, boolean max) {
        long length = Math.max(1, unitLength);
        int units = (int) Math.max(1, (features + length - 1) / length);
        int groupsPerSample = (int) ((features + groupSize - 1) / groupSize);
        double[] out = new double[samples * units];
        for (int n = 0; n < samples; n++) {
            for (int s = 0; s < groupsPerSample; s++) {
                double term = u[n * groupsPerSample + s];
                long start = (long) s * groupSize;
                long end = Math.min(features, start + groupSize);
                for (long k = start / length; k * length < end; k++) {
                    int at = n * units + (int) k;
                    if (max) {
                        out[at] = Math.max(out[at], term);
                    } else {
                        long overlap = Math.min(end, (k + 1) * length) - Math.max(start, k * length);
                        out[at] += overlap * term;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Returns {@code 1 / (var + eps)} of every unit of a tensor (channels of a batch
     * normalisation: the planes {@code [n, c, ...]} of all samples together; rows of a layer
     * normalisation: each run of the last axis), the squared inverse standard deviation that the
     * normalisation multiplies its centred input by, with {@code eps = 1e-5} (the default of DJL's
     * normalisations; a larger epsilon only makes the model more cautious).
     *
     * @param x the tensor
     * @param channels true: per channel (axis 1); false: per row of the last axis
     * @return one value per channel or row, or null if the tensor is missing or empty
     */
    static double[] inverseVariances(NDArray x, boolean channels) {
        if (x == null || x.size() == 0) {
            return null;
        }
        Shape shape = x.getShape();
        int n = PackedLayout.samples(shape);
        long c = channels && shape.dimension() >= 2 ? shape.get(1) : 1;
        long last = shape.dimension() >= 1 ? shape.get(shape.dimension() - 1) : 1;
        // rows of the values each variance is over: [C, N * plane] (a transposed copy) or [rows, last]
        try (NDArray wide = fp32(x);
                NDArray split = channels ? wide.reshape(n, c, -1) : wide.reshape(-1, last);
                NDArray moved = channels ? split.transpose(1, 0, 2) : split.reshape(split.getShape());
                NDArray view = moved.reshape(channels ? c : -1, channels ? -1 : last);
                NDArray mean = view.mean(new int[] {1}, true);
                NDArray centred = view.sub(mean);
                NDArray square = centred.square();
                NDArray var = square.mean(new int[] {1})) {
            float[] v = var.toFloatArray();
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = 1.0 / (Math.max(0, v[i]) + 1e-5);
            }
            return out;
        }
    }

    /**
     * Returns the squared norm of each row of a gradient viewed as {@code [-1, rowLength]}.
     *
     * @param g the gradient
     * @param rowLength the row length (the last axis, or a channel's plane after reshaping)
     * @return one value per row
     */
    static double[] rowSquares(NDArray g, long rowLength) {
        try (NDArray wide = fp32(g);
                NDArray rows = wide.reshape(-1, Math.max(1, rowLength));
                NDArray sq = rows.square();
                NDArray sums = sq.sum(new int[] {1})) {
            return toDoubles(sums.toFloatArray());
        }
    }

    /**
     * Returns the sums of a gradient over all but one axis: the bias gradient of a normalisation
     * ({@code dbeta}), per channel (axis 1 of {@code [N, C, ...]}) or per feature (last axis).
     *
     * @param g the output gradient
     * @param channels per channel (true) or per feature of the last axis (false)
     * @return one value per channel or feature
     */
    static double[] biasGradient(NDArray g, boolean channels) {
        Shape shape = g.getShape();
        int n = PackedLayout.samples(shape);
        long c = channels && shape.dimension() >= 2 ? shape.get(1) : 1;
        long last = shape.dimension() >= 1 ? shape.get(shape.dimension() - 1) : 1;
        try (NDArray wide = fp32(g);
                NDArray view = channels ? wide.reshape(n, c, -1) : wide.reshape(-1, last);
                NDArray sums = channels ? view.sum(new int[] {0, 2}) : view.sum(new int[] {0})) {
            return toDoubles(sums.toFloatArray());
        }
    }

    /**
     * Returns the squared norm of a tensor, summed in fp32 by the engine.
     *
     * @param g the tensor
     * @return the squared norm
     */
    static double squaredNorm(NDArray g) {
        try (NDArray wide = fp32(g);
                NDArray sq = wide.square();
                NDArray sum = sq.sum()) {
            return sum.getFloat();
        }
    }

    /**
     * Returns a new handle on the tensor's values in fp32: a view of an fp32 tensor, a converted
     * copy otherwise; either way the caller closes it (closing a view leaves the tensor alone).
     */
    static NDArray fp32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x.reshape(x.getShape()) : x.toType(DataType.FLOAT32, false);
    }

    private static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
