package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Embedding gradients, few-bit interval codes and in-place copies, done by PyTorch's own ops. Results are attached to the given manager. */
public final class TensorOps {

    private TensorOps() {}

    /**
     * Copies {@code src} into {@code dst} in place (same storage afterwards, any device), without
     * recording autograd history. DJL's {@code copyTo} replaces the destination's storage by a
     * host buffer instead.
     *
     * @param dst the destination, written in place
     * @param src the source, of the same shape
     */
    public static void copyInto(NDArray dst, NDArray src) {
        try (NDManager scratch = dst.getManager().newSubManager()) {
            TorchScriptModule.call("copy_into", scratch, dst, src).close();
        }
    }

    /**
     * Dense gradient of an embedding table: row {@code i} sums the output gradients of every
     * position whose index is {@code i} (PyTorch's {@code embedding_dense_backward}).
     *
     * @param grad dL/dy, of shape {@code indices.shape + [embeddingSize]}
     * @param indices the looked-up indices (any integer or floating type holding integers)
     * @param numWeights the number of rows of the table
     * @param manager the owner of the result
     * @return the table's gradient, [numWeights, embeddingSize]
     */
    public static NDArray embeddingBackward(NDArray grad, NDArray indices, long numWeights, NDManager manager) {
        return TorchScriptModule.call("embedding_backward", manager, grad, indices, numWeights).singletonOrThrow();
    }

    /**
     * Encodes each element of {@code scale * x} by the interval of {@code boundaries} it falls
     * in (interval {@code k} is {@code (b[k-1], b[k]]}) and packs the codes at {@code bits} bits,
     * least significant first, as 1-bit masks are packed.
     *
     * @param x the input
     * @param boundaries the ascending interval boundaries (at most {@code 2^bits - 1}), fp32
     * @param scale a factor applied to x before encoding
     * @param bits 1, 2, 4 or 8
     * @param manager the owner of the result
     * @return the packed codes, UINT8, {@code ceil(numel * bits / 8)} bytes
     */
    public static NDArray packCodes(NDArray x, NDArray boundaries, double scale, int bits, NDManager manager) {
        return TorchScriptModule.call("code_pack", manager, x, boundaries, scale, (long) bits).singletonOrThrow();
    }

    /**
     * Multiplies a gradient element-wise by the value that each element's code selects: {@code
     * dx = dy * values[code]}.
     *
     * @param grad dL/dy
     * @param packed codes packed by {@link #packCodes}
     * @param values the value of each code, fp32
     * @param bits the bits per code
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray applyCodes(NDArray grad, NDArray packed, NDArray values, int bits, NDManager manager) {
        return TorchScriptModule.call("code_apply", manager, grad, packed, values, (long) bits).singletonOrThrow();
    }
}
