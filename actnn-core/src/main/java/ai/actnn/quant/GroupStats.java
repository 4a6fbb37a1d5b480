package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The per-group minimum and maximum of one tensor, computed once by {@link
 * QuantizerBackend#analyze} and reused by {@link QuantizerBackend#quantize(ai.djl.ndarray.NDArray,
 * GroupStats, QuantizeSpec, ai.djl.ndarray.NDManager)}, so that the adaptive level can choose bits
 * from the ranges without reading the tensor twice.
 */
public interface GroupStats extends AutoCloseable {

    /**
     * Returns the shape of the analysed tensor.
     *
     * @return the shape
     */
    Shape getShape();

    /**
     * Returns the group size of the analysis.
     *
     * @return the group size
     */
    int getGroupSize();

    /**
     * Returns, per sample, the sum over its groups of {@code (max - min)^2}: ActNN's
     * {@code ||max - min||^2}, the numerator of the quantization variance. A sample with a
     * non-finite group has {@code +Infinity}.
     *
     * @return one value per sample
     */
    float[] sampleRangeSquares();

    /**
     * Returns every group's minimum and maximum, interleaved: {@code [min_0, max_0, min_1, max_1,
     * ...]} for groups {@code n * S + s} in the format's order, {@code (NaN, NaN)} for a group
     * holding a NaN or an infinity. The error-bounded policy derives each group's largest step from
     * them. Backends that do not keep them return null (the default).
     *
     * @return a new array of {@code 2 * N * S} values, or null
     */
    default float[] groupMinMax() {
        return null;
    }

    /**
     * Returns the tensor these statistics were computed from, while it is still open, for policies
     * that need more than ranges at their (rare) measurement steps; null if the backend does not
     * keep it (the default) or it was closed. Callers must not close or keep it.
     *
     * @return the analysed tensor, or null
     */
    default NDArray tensor() {
        return null;
    }

    /** Frees the statistics. */
    @Override
    void close();
}
