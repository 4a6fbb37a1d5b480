package ai.actnn.quant;

import ai.djl.ndarray.NDArray;

/**
 * The result of a forward that also packs the 1-bit mask its backward needs: ReLU ({@code x > 0})
 * or dropout (kept elements), see {@link MaskCodec#relu} and {@link MaskCodec#dropout}. Closing it
 * frees both.
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
