package ai.actnn.quant.cpu;

import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The per-group minimum and maximum computed by {@link CpuQuantizerBackend#analyze}, in Java
 * arrays (a few bytes per group). A non-finite group (a NaN or an infinity among its elements, or a
 * range that overflows) has NaN as both its minimum and maximum.
 */
final class CpuGroupStats implements GroupStats {

    private final Shape shape;
    private final int groupSize;
    private final Geometry geometry;
    private final float[] mins;
    private final float[] maxs;
    private final NDArray source;
    private volatile boolean closed;

    CpuGroupStats(Shape shape, Geometry geometry, float[] mins, float[] maxs, NDArray source) {
        this.shape = shape;
        this.groupSize = geometry.groupSize;
        this.geometry = geometry;
        this.mins = mins;
        this.maxs = maxs;
        this.source = source;
    }

    /** {@inheritDoc} */
    @Override
    public Shape getShape() {
        return shape;
    }

    /** {@inheritDoc} */
    @Override
    public int getGroupSize() {
        return groupSize;
    }

    /** {@inheritDoc} */
    @Override
    public float[] sampleRangeSquares() {
        checkOpen();
        float[] result = new float[geometry.samples];
        int perSample = geometry.groupsPerSample;
        for (int n = 0; n < result.length; n++) {
            double sum = 0;
            for (int g = n * perSample, end = g + perSample; g < end; g++) {
                double range = (double) maxs[g] - mins[g];
                sum += Double.isNaN(range) ? Double.POSITIVE_INFINITY : range * range;
            }
            result[n] = (float) sum;
        }
        return result;
    }

    /** {@inheritDoc} */
    @Override
    public float[] groupMinMax() {
        checkOpen();
        float[] out = new float[2 * mins.length];
        for (int g = 0; g < mins.length; g++) {
            out[2 * g] = mins[g];
            out[2 * g + 1] = maxs[g];
        }
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public NDArray tensor() {
        return closed || source == null || source.isReleased() ? null : source;
    }

    /**
     * Returns the minima, one per group.
     *
     * @return the array itself (not a copy)
     */
    float[] mins() {
        checkOpen();
        return mins;
    }

    /**
     * Returns the maxima, one per group.
     *
     * @return the array itself (not a copy)
     */
    float[] maxs() {
        checkOpen();
        return maxs;
    }

    /**
     * Returns where the groups lie.
     *
     * @return the geometry
     */
    Geometry geometry() {
        return geometry;
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("these group statistics of shape " + shape + " were closed");
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "CpuGroupStats{shape=" + shape + ", groupSize=" + groupSize + '}';
    }
}
