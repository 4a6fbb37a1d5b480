package ai.actnn.policy;

import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The gradient side of the auto level's bounds under stochastic rounding: the expected squared
 * error that compressing a saved activation adds to the gradient it feeds, at one quantization
 * step, from the activation's element bounds ({@link ForwardMeasurement}) and the layer's output
 * gradient. The rounding errors of different elements are independent and of mean zero, so the
 * error of any entry {@code sum_i a_i x~_i} of a gradient has variance {@code sum_i a_i^2 Var(x~_i)}
 * exactly; each bound below is that sum with {@code Var(x~_i) <= v_i / B^2} ({@code docs/levels.md}
 * has the derivations).
 */
final class ExpectedErrorBounds {

    private ExpectedErrorBounds() {}

    /**
     * Returns a layer's terms from its output gradient, or null if the shapes do not fit the model.
     *
     * @param site the site
     * @param f the forward measurement of the activation
     * @param dy the output gradient
     * @param fed the gradient the activation feeds (a weight gradient, a normalisation's {@code
     *     dgamma}; an other layer's input gradient), or null
     * @return the terms, or null
     */
    static ErrorTerms of(ActivationSite site, ForwardMeasurement f, NDArray dy, NDArray fed) {
        double fedNorm = fed == null ? 0 : ErrorModel.squaredNorm(fed);
        switch (site.getKind()) {
            case CONV:
                return f.elementSums != null ? convolution(site.getConvolutionWindow(), f, dy, fedNorm) : perSample(site, f, dy, fedNorm);
            case LINEAR: {
                double[] rows = ErrorModel.rowSquares(dy, ForwardMeasurement.lastAxis(dy.getShape()));
                if (rows.length != f.elementSums.length) {
                    return null;
                }
                // dW = sum_r dy_r^T x_r: entry (k, j) has variance sum_r dy_rk^2 Var(x_rj)
                double q = 0;
                for (int r = 0; r < rows.length; r++) {
                    q += rows[r] * f.elementSums[r];
                }
                return new ErrorTerms(q, 0, fedNorm, rows.length);
            }
            case BATCH_NORM:
                return batchNorm(site, f, dy, fed);
            case LAYER_NORM: {
                if (f.inverseVariances == null || !dy.getShape().equals(f.shape)) {
                    return null;
                }
                double[] rows = ErrorModel.rowSquares(dy, ForwardMeasurement.lastAxis(f.shape));
                if (rows.length != f.units.length || rows.length != f.inverseVariances.length) {
                    return null;
                }
                double q = 0;
                for (int r = 0; r < rows.length; r++) {
                    q += f.inverseVariances[r] * f.units[r] * rows[r];
                }
                double beta = sumOfSquares(ErrorModel.biasGradient(dy, false));
                return new ErrorTerms(q, beta, 0, rows.length);
            }
            default: {
                double[] norms = SampleNorms.squared(dy);
                double q = 0;
                for (int i = 0; i < norms.length; i++) {
                    q += norms[i] * f.units[i];
                }
                return new ErrorTerms(q, 0, fedNorm, 1);
            }
        }
    }

    /**
     * A convolution's weight gradient {@code dW[k, c, r] = sum_(n, p) dy[n, k, p] x[n, c, p * stride
     * + r * dilation - padding]}: its squared error is {@code sum_(n, p) (sum_k dy[n, k, p]^2) *
     * (sum of v over the channels and the window of p)}, per channel block of a grouped
     * convolution; a transposed convolution sums the output gradient over the windows instead.
     */
    private static ErrorTerms convolution(ConvolutionWindow window, ForwardMeasurement f, NDArray dy, double fedNorm) {
        Shape xs = f.shape;
        Shape ys = dy.getShape();
        int n = PackedLayout.samples(xs);
        int groups = window.groups();
        if (ys.dimension() != xs.dimension() || ys.get(0) != n || ys.get(1) % groups != 0) {
            return null;
        }
        double[] outputSide;
        try (NDArray wide = ErrorModel.fp32(dy);
                NDArray blocks = wide.reshape(n, groups, ys.get(1) / groups, -1);
                NDArray squares = blocks.square();
                NDArray sums = squares.sum(new int[] {2})) {
            outputSide = toDoubles(sums.toFloatArray());
        }
        long[] inputSpatial = spatial(xs);
        long[] outputSpatial = spatial(ys);
        double q = window.isTransposed()
                ? window.windowedDot(f.elementSums, inputSpatial, outputSide, outputSpatial, n * groups)
                : window.windowedDot(outputSide, outputSpatial, f.elementSums, inputSpatial, n * groups);
        long positions = 1;
        for (long e : window.isTransposed() ? inputSpatial : outputSpatial) {
            positions *= e;
        }
        return new ErrorTerms(q, 0, fedNorm, (double) n * positions);
    }

    /**
     * A convolution site without its geometry (or whose input does not fit it): each window holds
     * at most {@code taps} elements of a channel, each at most the channel's largest term.
     */
    private static ErrorTerms perSample(ActivationSite site, ForwardMeasurement f, NDArray dy, double fedNorm) {
        Shape ys = dy.getShape();
        int n = PackedLayout.samples(f.shape);
        if (PackedLayout.samples(ys) != n) {
            return null;
        }
        long c = ForwardMeasurement.channels(f.shape);
        // a grouped convolution's output channels may carry all the gradient into one group: the
        // bound takes every tap, not the taps per group
        ConvolutionWindow window = site.getConvolutionWindow();
        double taps = site.getKernelArea() * (window == null ? 1 : window.groups());
        double[] norms = SampleNorms.squared(dy);
        double q = 0;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += f.units[(int) (i * c + k)];
            }
            q += norms[i] * taps * sum;
        }
        long outChannels = ForwardMeasurement.channels(ys);
        return new ErrorTerms(q, 0, fedNorm, (double) dy.size() / outChannels);
    }

    /**
     * Batch normalisation saves the standardised input {@code x^} and re-centres the restored one
     * per channel in backward, so {@code dgamma~_c - dgamma_c = sum_i (dy_i - mean_c(dy)) e_i}
     * exactly (the mean over the channel's elements of the batch): its variance is {@code sum_i
     * v_i (dy_i - mean_c(dy))^2}. Ghost batches are centred per ghost batch; there the bound uses
     * the channel's largest term and {@code sum (dy - m)^2 <= sum dy^2}, which holds for any
     * centre.
     */
    private static ErrorTerms batchNorm(ActivationSite site, ForwardMeasurement f, NDArray dy, NDArray fed) {
        ChannelGradients g = ChannelGradients.of(site, f, dy);
        if (g == null) {
            return null;
        }
        int c = g.channels();
        double count = g.perChannel();
        double q = 0;
        if (site.hasGhostBatches()) {
            for (int k = 0; k < c; k++) {
                q += g.largestTerms[k] * g.squares[k];
            }
        } else {
            for (int i = 0; i < g.values.length; i++) {
                int k = g.channelOf(i);
                double centred = g.values[i] - g.sums[k] / count;
                q += f.groupTerms[f.groupOf(i)] * centred * centred;
            }
        }
        // dbeta = sum dy is exact; dgamma is reported when the input gradient is not needed
        double gamma = fed != null && fed.size() == c ? ErrorModel.squaredNorm(fed) : 0;
        return new ErrorTerms(q, sumOfSquares(g.sums), gamma, count);
    }

    private static long[] spatial(Shape shape) {
        long[] s = new long[shape.dimension() - 2];
        for (int a = 0; a < s.length; a++) {
            s[a] = shape.get(a + 2);
        }
        return s;
    }

    static double sumOfSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
