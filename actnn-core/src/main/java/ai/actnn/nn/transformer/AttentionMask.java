package ai.actnn.nn.transformer;

import ai.actnn.internal.Autograd;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The additive score offsets of DJL's {@code ScaledDotProductAttentionBlock}: a 0/1 token mask
 * of {@code B * T * F} elements becomes {@code (1 - mask) * -100000} of shape {@code (B, 1, T,
 * F)}; a 4-D mask is taken as ready-made offsets, broadcast over {@code (B, N, T, F)}.
 */
final class AttentionMask {

    /** DJL's offset for masked positions. */
    private static final float MASKED = -100000f;
    /** The same for fp16 scores, where -100000 would overflow to -inf (NaN on fully masked rows). */
    private static final float MASKED_HALF = -65504f;

    private AttentionMask() {}

    /**
     * Builds the offsets to add to the attention scores.
     *
     * @param mask the mask input of the attention block
     * @param scores the shape of the scores, {@code (B, N, T, F)}
     * @param type the scores' data type
     * @return a new array of offsets broadcastable to the scores
     * @throws IllegalArgumentException for a mask of another shape, or one that needs a gradient
     */
    static NDArray offsets(NDArray mask, Shape scores, DataType type) {
        long b = scores.get(0);
        long t = scores.get(2);
        long f = scores.get(3);
        Shape shape = mask.getShape();
        if (shape.dimension() == 4) {
            for (int i = 0; i < 4; i++) {
                if (shape.get(i) != 1 && shape.get(i) != scores.get(i)) {
                    throw unsupported(shape, scores);
                }
            }
            if (Autograd.requiresGrad(mask)[0]) {
                throw new IllegalArgumentException(
                        "attention score offsets that require a gradient are not supported: ActNN"
                                + " treats the mask as a constant (detach it, or leave the attention"
                                + " block unconverted)");
            }
            return mask.getDataType() == type ? mask.duplicate() : mask.toType(type, true);
        }
        if (shape.size() != b * t * f) {
            throw unsupported(shape, scores);
        }
        float masked = type == DataType.FLOAT16 ? MASKED_HALF : MASKED;
        try (NDArray expanded = mask.reshape(b, 1, t, f);
                NDArray asType = expanded.toType(type, true)) {
            // (1 - m) * masked, in DJL's order of operations.
            NDArray offsets = asType.mul(-1f);
            offsets.addi(1f).muli(masked);
            return offsets;
        }
    }

    private static IllegalArgumentException unsupported(Shape mask, Shape scores) {
        return new IllegalArgumentException(
                "attention mask of shape "
                        + mask
                        + " is not supported: expected a token mask of B*T*F = "
                        + scores.get(0) * scores.get(2) * scores.get(3)
                        + " elements, such as (B, T, F) = ("
                        + scores.get(0)
                        + ", "
                        + scores.get(2)
                        + ", "
                        + scores.get(3)
                        + "), or 4-D score offsets broadcastable to (B, N, T, F) = "
                        + scores);
    }
}
