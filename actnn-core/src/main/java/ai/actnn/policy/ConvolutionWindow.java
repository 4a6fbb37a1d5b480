package ai.actnn.policy;

import java.util.Arrays;

/**
 * Which input elements each output position of a (transposed) convolution reads: kernel, stride,
 * padding, dilation and groups, in any number of spatial dimensions. The auto level uses it to sum
 * the rounding variance of the input exactly over each output position's receptive window (the
 * weight gradient mixes exactly those products), instead of bounding a window by {@code R*S} times
 * its channel's largest term.
 *
 * <p>Along each spatial axis {@code d}, output position {@code p} and kernel offset {@code r} pair
 * with input position {@code i = p * stride + r * dilation - padding} (a position outside the input
 * is padding: it reads a zero, exactly). A transposed convolution uses the same relation with the
 * roles of input and output exchanged: its input position {@code i} and offset {@code r} write
 * output position {@code i * stride + r * dilation - padding}.
 */
public final class ConvolutionWindow {

    private final long[] kernel;
    private final long[] stride;
    private final long[] padding;
    private final long[] dilation;
    private final int groups;
    private final boolean transposed;

    /**
     * Creates the window of a convolution.
     *
     * @param kernel the kernel extent per spatial axis
     * @param stride the stride per spatial axis
     * @param padding the padding (at the start of each axis) per spatial axis
     * @param dilation the dilation per spatial axis
     * @param groups the groups (input and output channels are split into this many blocks)
     * @param transposed whether the convolution is transposed
     * @throws IllegalArgumentException if the arrays differ in length or hold values out of range
     */
    public ConvolutionWindow(long[] kernel, long[] stride, long[] padding, long[] dilation, int groups, boolean transposed) {
        int d = kernel.length;
        if (stride.length != d || padding.length != d || dilation.length != d) {
            throw new IllegalArgumentException("kernel " + Arrays.toString(kernel) + ", stride " + Arrays.toString(stride)
                    + ", padding " + Arrays.toString(padding) + ", dilation " + Arrays.toString(dilation)
                    + ": every one needs one value per spatial axis");
        }
        for (int a = 0; a < d; a++) {
            if (kernel[a] < 1 || stride[a] < 1 || dilation[a] < 1 || padding[a] < 0) {
                throw new IllegalArgumentException("axis " + a + ": kernel " + kernel[a] + ", stride " + stride[a]
                        + ", dilation " + dilation[a] + " must be at least 1 and padding " + padding[a] + " at least 0");
            }
        }
        if (groups < 1) {
            throw new IllegalArgumentException("groups " + groups + " must be at least 1");
        }
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.transposed = transposed;
    }

    /**
     * Returns the number of spatial axes.
     *
     * @return the rank of the kernel
     */
    public int spatialAxes() {
        return kernel.length;
    }

    /**
     * Returns the groups.
     *
     * @return the groups
     */
    public int groups() {
        return groups;
    }

    /**
     * Returns whether the convolution is transposed.
     *
     * @return whether transposed
     */
    public boolean isTransposed() {
        return transposed;
    }

    /**
     * Returns the kernel area divided by the groups (the factor of ActNN's sensitivity).
     *
     * @return the factor
     */
    public double kernelAreaPerGroup() {
        double area = 1;
        for (long k : kernel) {
            area *= k;
        }
        return area / groups;
    }

    /**
     * Returns {@code sum over (n, g, p) of outer[n, g, p] * sum over kernel offsets r of inner[n, g,
     * p * stride + r * dilation - padding]}, positions outside {@code inner} contributing nothing.
     * For a convolution, {@code outer} is indexed by output positions and {@code inner} by input
     * positions; for a transposed convolution the other way round.
     *
     * @param outer values {@code [N, G, outerSpatial...]}, row-major
     * @param outerSpatial the spatial extents of {@code outer}
     * @param inner values {@code [N, G, innerSpatial...]}, row-major
     * @param innerSpatial the spatial extents of {@code inner}
     * @param blocks {@code N * G}
     * @return the sum
     * @throws IllegalArgumentException if the extents do not fit the arrays or the window's rank
     */
    public double windowedDot(double[] outer, long[] outerSpatial, double[] inner, long[] innerSpatial, int blocks) {
        int d = kernel.length;
        if (outerSpatial.length != d || innerSpatial.length != d) {
            throw new IllegalArgumentException("spatial extents " + Arrays.toString(outerSpatial) + " and "
                    + Arrays.toString(innerSpatial) + " do not have the window's " + d + " axes");
        }
        int outerSize = (int) product(outerSpatial);
        int innerSize = (int) product(innerSpatial);
        if ((long) outerSize * blocks != outer.length || (long) innerSize * blocks != inner.length) {
            throw new IllegalArgumentException("arrays of " + outer.length + " and " + inner.length + " values are not "
                    + blocks + " blocks of " + outerSize + " and " + innerSize);
        }
        int taps = (int) product(kernel);
        // Per axis: the inner position that outer position p reads at offset r (-1: padding), and
        // the stride of the axis in the flat inner index.
        int[][] along = new int[d][];
        long[] innerStride = new long[d];
        long step = 1;
        for (int a = d - 1; a >= 0; a--) {
            innerStride[a] = step;
            step *= innerSpatial[a];
            along[a] = new int[(int) (outerSpatial[a] * kernel[a])];
            for (int p = 0; p < outerSpatial[a]; p++) {
                for (int r = 0; r < kernel[a]; r++) {
                    long i = p * stride[a] + r * dilation[a] - padding[a];
                    along[a][(int) (p * kernel[a] + r)] = i < 0 || i >= innerSpatial[a] ? -1 : (int) i;
                }
            }
        }
        int[] p = new int[d];
        int[] r = new int[d];
        int[] reads = new int[taps];
        double total = 0;
        for (int at = 0; at < outerSize; at++) {
            unravel(at, outerSpatial, p);
            // the window of this position: its in-range inner positions (the same in every block)
            int count = 0;
            for (int tap = 0; tap < taps; tap++) {
                unravel(tap, kernel, r);
                long flat = 0;
                for (int a = 0; a < d && flat >= 0; a++) {
                    int i = along[a][(int) (p[a] * kernel[a] + r[a])];
                    flat = i < 0 ? -1 : flat + i * innerStride[a];
                }
                if (flat >= 0) {
                    reads[count++] = (int) flat;
                }
            }
            for (int b = 0; b < blocks; b++) {
                double weight = outer[b * outerSize + at];
                if (weight == 0) {
                    continue;
                }
                int innerBase = b * innerSize;
                double window = 0;
                for (int k = 0; k < count; k++) {
                    window += inner[innerBase + reads[k]];
                }
                total += weight * window;
            }
        }
        return total;
    }

    private static void unravel(int flat, long[] extents, int[] out) {
        for (int a = extents.length - 1; a >= 0; a--) {
            out[a] = (int) (flat % extents[a]);
            flat /= (int) extents[a];
        }
    }

    private static long product(long[] v) {
        long p = 1;
        for (long x : v) {
            p *= x;
        }
        return p;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return (transposed ? "transposed " : "") + "kernel " + Arrays.toString(kernel) + ", stride " + Arrays.toString(stride)
                + ", padding " + Arrays.toString(padding) + ", dilation " + Arrays.toString(dilation)
                + (groups > 1 ? ", groups " + groups : "");
    }
}
