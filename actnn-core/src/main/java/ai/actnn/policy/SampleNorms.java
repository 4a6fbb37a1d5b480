package ai.actnn.policy;

import ai.djl.ndarray.NDArray;

/** Per-sample squared norms of a gradient: ActNN's gradient scale. */
final class SampleNorms {

    private SampleNorms() {}

    /**
     * Returns {@code ||g_n||^2} for each sample {@code n} (first axis).
     *
     * @param gradient the gradient
     * @return one value per sample
     */
    static double[] squared(NDArray gradient) {
        long n = gradient.getShape().dimension() == 0 ? 1 : gradient.getShape().get(0);
        // One fused reduction (the 2-norm) reads the gradient once; squaring it first would write
        // and read a temporary as large as the gradient, in every backward of every layer.
        try (NDArray flat = gradient.reshape(n, -1);
                NDArray norm = flat.norm(2, new int[] {1}, false);
                NDArray values = norm.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)) {
            float[] v = values.toFloatArray();
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (double) v[i] * v[i];
            }
            return out;
        }
    }

    /**
     * Returns ActNN's range term of each sample: {@code kernelArea / 4 * sum_g (max - min)^2 *
     * groupSize / pixels}, where pixels = features per channel. Multiplied by the gradient scale it
     * is the sample's sensitivity C.
     *
     * @param site the site (kernel area)
     * @param stats the activation's statistics
     * @return one value per sample
     */
    static double[] rangeTerms(ActivationSite site, ai.actnn.quant.GroupStats stats) {
        float[] ranges = stats.sampleRangeSquares();
        ai.djl.ndarray.types.Shape shape = stats.getShape();
        long features = ai.actnn.quant.PackedLayout.featuresPerSample(shape);
        long channels = shape.dimension() >= 2 ? shape.get(1) : 1;
        double pixels = Math.max(1.0, (double) features / Math.max(1, channels));
        double factor = site.getKernelArea() / 4.0 * stats.getGroupSize() / pixels;
        double[] out = new double[ranges.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ranges[i] * factor;
        }
        return out;
    }
}
