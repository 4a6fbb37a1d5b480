package ai.actnn.policy;

import ai.actnn.quant.GroupStats;
import ai.actnn.quant.Half;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Per-element bounds on the variance that stochastic rounding adds to a tensor (at one
 * quantization step, {@code B = 1}), and their sums over the units a layer's gradient mixes.
 *
 * <p>Element {@code i} of group {@code g} gets {@code u_g} ({@link ErrorModel#groupTerms}), except
 * that an element equal to its group's minimum gets 0 when that minimum is exactly representable
 * in FP16: the record's low end is then the element itself in either metadata type ({@code lo =
 * roundDown16(mn) = mn}, or {@code lo = mn} in FP32), so {@code t = 0}, the code is {@code floor(0 +
 * r) = 0} and the element is restored exactly, at every width. This is what makes the bound tight
 * for ReLU outputs, about half of whose elements are exact zeros at the bottom of their groups.
 * Without the tensor or the groups' minima (statistics of a foreign backend) every element gets
 * its group's term.
 */
final class ElementVariances {

    private ElementVariances() {}

    /**
     * Returns the bound of every element, in the tensor's row-major order.
     *
     * @param stats the tensor's statistics (the tensor itself is read when they keep it)
     * @param u the group terms, groups {@code n * S + s}
     * @return {@code N * F} values
     */
    static float[] of(GroupStats stats, double[] u) {
        Shape shape = stats.getShape();
        int n = PackedLayout.samples(shape);
        long features = PackedLayout.featuresPerSample(shape);
        int groupSize = stats.getGroupSize();
        int groupsPerSample = (int) PackedLayout.groupsPerSample(shape, groupSize);
        NDArray tensor = stats.tensor();
        float[] minMax = tensor == null ? null : stats.groupMinMax();
        float[] v;
        if (minMax == null) {
            v = new float[(int) (n * features)];
        } else {
            // the values are overwritten by their bounds as they are read
            try (NDArray wide = ErrorModel.fp32(tensor)) {
                v = wide.toFloatArray();
            }
        }
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < groupsPerSample; k++) {
                int group = s * groupsPerSample + k;
                float bound = (float) Math.min(Float.MAX_VALUE, u[group]);
                float lowest = minMax == null ? Float.NaN : minMax[2 * group];
                boolean exactLow = minMax != null && Half.toFloat(Half.roundDown(lowest)) == lowest;
                long start = s * features + (long) k * groupSize;
                long end = s * features + Math.min(features, (long) (k + 1) * groupSize);
                for (long i = start; i < end; i++) {
                    v[(int) i] = exactLow && v[(int) i] == lowest ? 0f : bound;
                }
            }
        }
        return v;
    }

    /**
     * Returns, for a tensor {@code [N, C, spatial...]} whose channels form {@code groups} blocks,
     * the sums of the element bounds over the channels of each block at each spatial position.
     *
     * @param v the element bounds ({@link #of})
     * @param shape the tensor's shape
     * @param groups the channel blocks (a convolution's groups)
     * @return {@code [N, groups, spatial...]} values, row-major
     */
    static double[] channelBlockSums(float[] v, Shape shape, int groups) {
        int n = PackedLayout.samples(shape);
        long channels = shape.get(1);
        long plane = PackedLayout.featuresPerSample(shape) / channels;
        long perBlock = channels / groups;
        double[] out = new double[(int) (n * groups * plane)];
        for (int s = 0; s < n; s++) {
            for (long c = 0; c < channels; c++) {
                int in = (int) ((s * channels + c) * plane);
                int to = (int) ((s * groups + c / perBlock) * plane);
                for (int p = 0; p < plane; p++) {
                    out[to + p] += v[in + p];
                }
            }
        }
        return out;
    }

    /**
     * Returns the sums of the element bounds over each run of {@code length} consecutive elements
     * (the rows of a linear layer's input).
     *
     * @param v the element bounds ({@link #of})
     * @param length the run's length
     * @return one value per run
     */
    static double[] runSums(float[] v, long length) {
        int runs = (int) (v.length / Math.max(1, length));
        double[] out = new double[runs];
        for (int r = 0; r < runs; r++) {
            double sum = 0;
            for (long i = r * length; i < (r + 1) * length; i++) {
                sum += v[(int) i];
            }
            out[r] = sum;
        }
        return out;
    }
}
