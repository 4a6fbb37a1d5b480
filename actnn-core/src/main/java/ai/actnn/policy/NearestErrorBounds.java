package ai.actnn.policy;

import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * AC-GC's bounds for deterministic errors (nearest rounding: {@code |error| <= step / 2} per
 * element, neither independent nor of mean zero): Cauchy-Schwarz over the products of each
 * gradient entry instead of an expectation. The factor {@code 1 + 2^-9} covers the fp32 part of
 * the error ({@code 2^-12 step}); the returned terms carry no further allowance.
 */
final class NearestErrorBounds {

    private static final double FACTOR = 1 + 0x1p-9;

    private NearestErrorBounds() {}

    /**
     * Returns a layer's terms from its output gradient, or null if the shapes do not fit the model.
     *
     * @param site the site
     * @param f the forward measurement of the activation
     * @param dy the output gradient
     * @param fed the gradient the activation feeds, or null
     * @return the terms, or null
     */
    static ErrorTerms of(ActivationSite site, ForwardMeasurement f, NDArray dy, NDArray fed) {
        Shape xs = f.shape;
        Shape ys = dy.getShape();
        int n = PackedLayout.samples(xs);
        double total = ErrorModel.squaredNorm(dy);
        double fedNorm = fed == null ? 0 : ErrorModel.squaredNorm(fed);
        switch (site.getKind()) {
            case CONV: {
                if (f.elementSums != null) {
                    // |dW~ - dW|^2 at (k, c, r) <= ||dy_k||^2 * sum over (n, p) of error^2 at the
                    // input element that p reads at offset r: distinct elements of channel c (or
                    // padding), so at most the channel's sum of element bounds. Over the output
                    // channels k of c's group: at most ||dy||^2; over the offsets r: the taps.
                    double taps = site.getConvolutionWindow().kernelAreaPerGroup() * site.getConvolutionWindow().groups();
                    return new ErrorTerms(FACTOR * total * taps * sum(f.elementSums), 0, fedNorm, 0);
                }
                // |dW~ - dW|^2 at (k, c, r, s) <= ||dy_k||^2 * sum over (n, p) of error^2 in channel c
                long outChannels = ForwardMeasurement.channels(ys);
                double positions = (double) dy.size() / (n * (double) outChannels);
                return new ErrorTerms(FACTOR * total * site.getKernelArea() * positions * sum(f.units), 0, fedNorm, 0);
            }
            case LINEAR:
                // ||dW~ - dW||^2 <= ||dy||^2 ||x~ - x||^2
                return new ErrorTerms(FACTOR * total * sum(f.elementSums), 0, fedNorm, 0);
            case BATCH_NORM:
                return batchNorm(site, f, dy, fed, fedNorm);
            case LAYER_NORM: {
                if (f.inverseVariances == null || !ys.equals(xs)) {
                    return null;
                }
                // |ddgamma_d|^2 <= (sum_r dy_rd^2)(sum_r invstd_r^2 error_rd^2), error_rd^2 <= u_max(r)
                double error = 0;
                for (int r = 0; r < f.units.length; r++) {
                    error += f.inverseVariances[r] * f.units[r];
                }
                double beta = ExpectedErrorBounds.sumOfSquares(ErrorModel.biasGradient(dy, false));
                return new ErrorTerms(FACTOR * total * error, beta, 0, 0);
            }
            default: {
                double q = 0;
                double[] norms = SampleNorms.squared(dy);
                for (int i = 0; i < n; i++) {
                    q += norms[i] * f.units[i] * PackedLayout.featuresPerSample(xs);
                }
                return new ErrorTerms(FACTOR * q, 0, fedNorm, 0);
            }
        }
    }

    /**
     * Batch normalisation saves the standardised input and re-centres the restored one per channel
     * (per ghost batch) in backward, so {@code dgamma~_c - dgamma_c = sum_i (dy_i - m_i) e_i} with
     * {@code m_i} the mean of {@code dy} over the channel (of the ghost batch): by Cauchy-Schwarz at
     * most {@code sum_i (dy_i - m_i)^2 * sum_i e_i^2 <= sum_i dy_i^2 * sum_i e_i^2} (centring never
     * increases a sum of squares), with {@code e_i^2 <= u_i / B^2}.
     */
    private static ErrorTerms batchNorm(ActivationSite site, ForwardMeasurement f, NDArray dy, NDArray fed, double fedNorm) {
        ChannelGradients g = ChannelGradients.of(site, f, dy);
        if (g == null) {
            return null;
        }
        double q = 0;
        for (int k = 0; k < g.channels(); k++) {
            q += g.squares[k] * g.termSums[k];
        }
        double gamma = fed != null && fed.size() == g.channels() ? fedNorm : 0;
        return new ErrorTerms(FACTOR * q, ExpectedErrorBounds.sumOfSquares(g.sums), gamma, 0);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
