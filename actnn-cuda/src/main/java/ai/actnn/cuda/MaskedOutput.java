package ai.actnn.cuda;

import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;

/**
 * The result of a forward kernel that also writes a 1-bit mask: ReLU ({@code x > 0}) or dropout
 * (kept elements). Closing it frees both.
 *
 * @param output the layer's output, shaped and typed like its input
 * @param mask the mask over the input's shape
 */
public record MaskedOutput(NDArray output, PackedMask mask) implements AutoCloseable {

    /** Frees the output and the mask. */
    @Override
    public void close() {
        output.close();
        mask.close();
    }
}
