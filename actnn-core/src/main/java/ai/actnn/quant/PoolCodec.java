package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Max pooling that keeps, per output element, one byte: the position of the maximum inside its
 * window ({@code kh_index * kernelW + kw_index}). The forward computes the output and these
 * offsets together; the backward routes each output gradient to the input element its offset
 * names. A backend may have one ({@link Backend#pooling}); the store falls back to PyTorch's own
 * ops otherwise. Every implementation follows PyTorch's rule for the maximum (greater, or NaN:
 * ties keep the first element in row-major window order, the last NaN wins), so offsets move
 * between implementations.
 */
public interface PoolCodec {

    /**
     * Max pooling over the last two axes, with the argmax offsets.
     *
     * @param x a FLOAT32 or FLOAT16 tensor, {@code [N, C, H, W]} or {@code [C, H, W]}
     * @param spec the pooling
     * @param manager the owner of the offsets (the output is attached to {@code x}'s manager, as
     *     PyTorch's own ops attach theirs)
     * @return the output and the UINT8 offsets, both of the output's shape
     */
    MaxPoolOutput maxPool2d(NDArray x, MaxPool2dSpec spec, NDManager manager);

    /**
     * The backward of {@link #maxPool2d}: each input element receives the sum of the gradients
     * of the windows whose maximum it is (the CUDA kernel and PyTorch's CPU kernel both add them
     * in ascending output order in fp32 and round once to the gradient's type).
     *
     * @param grad the output gradient, of the output's shape
     * @param offsets the offsets of the forward
     * @param inputShape the shape of the forward's input
     * @param spec the pooling of the forward
     * @param manager the owner of the result
     * @return the input gradient, of {@code inputShape}
     */
    NDArray maxPool2dBackward(NDArray grad, NDArray offsets, Shape inputShape, MaxPool2dSpec spec, NDManager manager);
}
