package ai.actnn.quant;

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

    /** Frees the statistics. */
    @Override
    void close();
}
