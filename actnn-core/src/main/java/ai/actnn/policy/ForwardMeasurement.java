package ai.actnn.policy;

import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.types.Shape;

/**
 * What the forward of a measurement step learns about one saved activation: the activation side
 * of the auto level's error bounds ({@link ExpectedErrorBounds}, {@link NearestErrorBounds}), kept
 * until the layer's backward brings the gradient side. Only what the site's kind needs is
 * computed.
 */
final class ForwardMeasurement {

    /** The activation's shape. */
    final Shape shape;
    /** The bits it was saved with. */
    final int bits;
    /** Whether the rounding is stochastic (else nearest: deterministic errors). */
    final boolean stochastic;
    /** Every group's term {@code u} ({@link ErrorModel#groupTerms}), groups {@code n * S + s}. */
    final double[] groupTerms;
    /** Elements per group. */
    final int groupSize;
    /** Features per sample and groups per sample. */
    private final long features;
    private final long groupsPerSample;
    /**
     * Sums of the element bounds ({@link ElementVariances}): per (sample, channel block, position)
     * for a convolution with a window (either rounding), per row for a linear layer; else null.
     */
    final double[] elementSums;
    /** Per unit (see {@link ErrorModel#perUnit}): the group terms' maxima or sums; or null. */
    final double[] units;
    /** Per row: 1 / variance (layer normalisation); or null. */
    final double[] inverseVariances;

    private ForwardMeasurement(
            Shape shape, int bits, boolean stochastic, double[] groupTerms, int groupSize, double[] elementSums,
            double[] units, double[] inverseVariances) {
        this.shape = shape;
        this.groupSize = groupSize;
        this.features = PackedLayout.featuresPerSample(shape);
        this.groupsPerSample = PackedLayout.groupsPerSample(shape, groupSize);
        this.bits = bits;
        this.stochastic = stochastic;
        this.groupTerms = groupTerms;
        this.elementSums = elementSums;
        this.units = units;
        this.inverseVariances = inverseVariances;
    }

    /**
     * Measures an activation about to be saved.
     *
     * @param site where it is saved
     * @param stats its statistics
     * @param bits the bits it is saved with
     * @param stochastic whether the rounding is stochastic
     * @return the measurement
     */
    static ForwardMeasurement of(ActivationSite site, GroupStats stats, int bits, boolean stochastic) {
        Shape shape = stats.getShape();
        int n = PackedLayout.samples(shape);
        long features = PackedLayout.featuresPerSample(shape);
        double[] u = ErrorModel.groupTerms(stats);
        int g = stats.getGroupSize();
        double[] sums = null;
        double[] units = null;
        double[] inverse = null;
        switch (site.getKind()) {
            case CONV: {
                ConvolutionWindow window = site.getConvolutionWindow();
                if (fits(window, shape)) {
                    sums = ElementVariances.channelBlockSums(ElementVariances.of(stats, u), shape, window.groups());
                } else {
                    units = ErrorModel.perUnit(u, n, features, g, features / channels(shape), true);
                }
                break;
            }
            case BATCH_NORM:
                // the bounds read the group terms element by element
                break;
            case LINEAR:
                // elements restored exactly have no error under either rounding
                sums = ElementVariances.runSums(ElementVariances.of(stats, u), lastAxis(shape));
                break;
            case LAYER_NORM:
                units = ErrorModel.perUnit(u, n, features, g, lastAxis(shape), true);
                inverse = ErrorModel.inverseVariances(stats.tensor(), false);
                break;
            default:
                // per sample: the mean element term
                units = ErrorModel.perUnit(u, n, features, g, features, false);
                for (int i = 0; i < units.length; i++) {
                    units[i] /= Math.max(1, features);
                }
        }
        return new ForwardMeasurement(shape, bits, stochastic, u, g, sums, units, inverse);
    }

    /**
     * Returns the group of an element.
     *
     * @param i the element's flat index in the tensor's row-major order
     * @return its group, {@code n * S + s} (groups never span two samples)
     */
    int groupOf(long i) {
        long sample = i / features;
        return (int) (sample * groupsPerSample + (i - sample * features) / groupSize);
    }

    /** Whether a convolution's window describes an input of this shape (channels split evenly). */
    private static boolean fits(ConvolutionWindow window, Shape shape) {
        return window != null
                && shape.dimension() == 2 + window.spatialAxes()
                && shape.get(1) % window.groups() == 0;
    }

    static long channels(Shape shape) {
        return shape.dimension() >= 2 ? Math.max(1, shape.get(1)) : 1;
    }

    static long lastAxis(Shape shape) {
        return shape.dimension() >= 2 ? Math.max(1, shape.get(shape.dimension() - 1)) : 1;
    }
}
