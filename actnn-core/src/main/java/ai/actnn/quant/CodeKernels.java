package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Few-bit codes of an element-wise activation's input (GELU, SiLU: the code names the interval of
 * the input, and the backward multiplies the gradient by a derivative value per interval). A
 * {@link QuantizerBackend} that implements this does it in one pass over memory; the others leave
 * it to PyTorch ({@code ai.actnn.internal.NativeOps#packCodes}), whose results these must equal
 * exactly.
 */
public interface CodeKernels {

    /**
     * Packs the code of every element of {@code x}: the number of {@code boundaries} strictly
     * below {@code x * scale} (computed in {@code x}'s data type, like {@code torch.bucketize} with
     * {@code right=False}; NaN gets the last code, {@code boundaries.length}), {@code 8 / bits} codes per byte, element {@code i} at
     * bit {@code (i mod (8 / bits)) * bits} of byte {@code i / (8 / bits)}.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param boundaries ascending boundaries, at most {@code 2^bits - 1}
     * @param scale the factor applied to {@code x} first (1 for none)
     * @param bits 1, 2, 4 or 8
     * @param manager the owner of the result
     * @return UINT8 codes, {@code ceil(numel * bits / 8)} bytes
     * @throws IllegalArgumentException for another data type or device, bits outside {1, 2, 4, 8}
     *     or too many boundaries
     */
    NDArray packCodes(NDArray x, float[] boundaries, float scale, int bits, NDManager manager);

    /**
     * Returns {@code grad * values[code]} element-wise, computed in {@code grad}'s data type.
     *
     * @param grad a FLOAT32 or FLOAT16 gradient
     * @param packed codes from {@link #packCodes} of a tensor with as many elements
     * @param values the value of each code
     * @param bits the bits per code
     * @param manager the owner of the result
     * @return a new array shaped and typed like {@code grad}
     * @throws IllegalArgumentException for mismatched sizes, types or devices
     */
    NDArray applyCodes(NDArray grad, NDArray packed, float[] values, int bits, NDManager manager);
}
