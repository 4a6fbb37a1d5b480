package ai.actnn.quant;

import ai.djl.ndarray.NDArray;

/**
 * The result of {@link PoolCodec#maxPool2d}: the pooled values and, per output
 * element, the position of the maximum inside its window. Closing it frees both.
 *
 * @param output the pooled tensor, {@code [N, C, OH, OW]} (or {@code [C, OH, OW]}), of the input's
 *     type
 * @param offsets UINT8 of the output's shape: {@code kh_index * kernelW + kw_index} of the
 *     window's maximum (the first one in row-major window order on ties, the last NaN if any)
 */
public record MaxPoolOutput(NDArray output, NDArray offsets) implements AutoCloseable {

    /** Frees the output and the offsets. */
    @Override
    public void close() {
        output.close();
        offsets.close();
    }
}
