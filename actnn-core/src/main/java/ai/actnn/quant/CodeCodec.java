package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Few-bit codes of an element's interval among sorted boundaries, packed as the format's codes,
 * and the backward that multiplies a gradient by a per-code value: what GELU and SiLU keep for
 * their backward at compressing levels.
 */
public interface CodeCodec {

    /**
     * Encodes each element by its interval: code {@code k} where {@code boundaries[k-1] < scale
     * * x <= boundaries[k]}, i.e. the number of boundaries below the value, as {@code
     * torch.bucketize} counts (NaN gets the last code), packed {@code bits} per element.
     *
     * @param x a FLOAT32 or FLOAT16 tensor
     * @param boundaries sorted interval boundaries, at most {@code 2^bits - 1}
     * @param scale the factor applied to x before encoding
     * @param bits the bits per code, 1 to 8
     * @param manager the owner of the codes
     * @return the packed codes, a UINT8 array of {@code ceil(size * bits / 8)} bytes
     */
    NDArray packCodes(NDArray x, float[] boundaries, float scale, int bits, NDManager manager);

    /**
     * Returns {@code grad * values[code]} element by element.
     *
     * @param grad a FLOAT32 or FLOAT16 tensor
     * @param packed codes from {@link #packCodes} for a tensor of the gradient's shape
     * @param values one value per code
     * @param bits the bits per code
     * @param manager the owner of the result
     * @return the product
     */
    NDArray applyCodes(NDArray grad, NDArray packed, float[] values, int bits, NDManager manager);
}
