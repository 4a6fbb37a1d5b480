package ai.actnn.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A batch normalisation's output gradient read per channel, beside the saved input's error terms
 * gathered per channel: the quantities both bounds on a batch norm's parameter gradients are
 * built from ({@link ExpectedErrorBounds} for the stochastic rounding's variance,
 * {@link NearestErrorBounds} for nearest rounding's worst case).
 */
final class ChannelGradients {

    /** The output gradient in fp32, in the input's layout. */
    final float[] values;
    /** Per channel: the sum of the gradient (the exact {@code dbeta}). */
    final double[] sums;
    /** Per channel: the sum of the gradient's squares. */
    final double[] squares;
    /** Per channel: the largest error term {@code u} of the groups the channel's elements lie in. */
    final double[] largestTerms;
    /** Per channel: the sum over its elements of their group's error term {@code u}. */
    final double[] termSums;

    private final int channels;
    private final long inner;

    private ChannelGradients(float[] values, int channels, long inner) {
        this.values = values;
        this.channels = channels;
        this.inner = inner;
        this.sums = new double[channels];
        this.squares = new double[channels];
        this.largestTerms = new double[channels];
        this.termSums = new double[channels];
    }

    /**
     * Reads the output gradient of a batch normalisation per channel.
     *
     * @param site the batch norm's site (its channel axis)
     * @param f what the forward measured of the saved input
     * @param dy the output gradient
     * @return the per-channel quantities, or {@code null} when {@code dy} does not have the saved
     *     input's shape or the channel axis lies outside it (no bound can be given)
     */
    static ChannelGradients of(ActivationSite site, ForwardMeasurement f, NDArray dy) {
        Shape xs = f.shape;
        int axis = site.getChannelAxis();
        if (!dy.getShape().equals(xs) || axis >= xs.dimension()) {
            return null;
        }
        long inner = 1;
        for (int a = axis + 1; a < xs.dimension(); a++) {
            inner *= xs.get(a);
        }
        float[] g;
        try (NDArray wide = ErrorModel.fp32(dy)) {
            g = wide.toFloatArray();
        }
        ChannelGradients c = new ChannelGradients(g, (int) xs.get(axis), inner);
        for (int i = 0; i < g.length; i++) {
            int k = c.channelOf(i);
            double term = f.groupTerms[f.groupOf(i)];
            c.sums[k] += g[i];
            c.squares[k] += (double) g[i] * g[i];
            c.largestTerms[k] = Math.max(c.largestTerms[k], term);
            c.termSums[k] += term;
        }
        return c;
    }

    /**
     * Returns the channel of an element.
     *
     * @param i the element's flat index in the input's layout
     * @return its channel
     */
    int channelOf(int i) {
        return (int) ((i / inner) % channels);
    }

    /**
     * Returns how many channels there are.
     *
     * @return the channel count
     */
    int channels() {
        return channels;
    }

    /**
     * Returns how many elements each channel has.
     *
     * @return elements per channel
     */
    double perChannel() {
        return (double) values.length / channels;
    }
}
