package ai.actnn.store;

import ai.actnn.internal.PoolOps;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.MaxPoolOutput;
import ai.actnn.quant.PoolCodec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Max pooling with one-byte offsets computed with PyTorch's own ops ({@code
 * max_pool2d_with_indices}, a scatter-add backward), for devices whose backend has no pooling
 * codec: the CPU, and GPUs without the CUDA kernels.
 */
final class TorchPoolCodec implements PoolCodec {

    static final TorchPoolCodec INSTANCE = new TorchPoolCodec();

    private TorchPoolCodec() {}

    @Override
    public MaxPoolOutput maxPool2d(NDArray x, MaxPool2dSpec spec, NDManager manager) {
        NDList r = PoolOps.maxPool2dWithOffsets(x, kernel(spec), stride(spec), padding(spec), spec.ceilMode(),
                x.getManager());
        NDArray offsets = r.get(1);
        offsets.attach(manager);
        return new MaxPoolOutput(r.get(0), offsets);
    }

    @Override
    public NDArray maxPool2dBackward(NDArray grad, NDArray offsets, Shape inputShape, MaxPool2dSpec spec,
            NDManager manager) {
        int d = inputShape.dimension();
        return PoolOps.maxPool2dBackward(grad, offsets, inputShape.get(d - 2), inputShape.get(d - 1), kernel(spec),
                stride(spec), padding(spec), manager);
    }

    private static Shape kernel(MaxPool2dSpec spec) {
        return new Shape(spec.kernelH(), spec.kernelW());
    }

    private static Shape stride(MaxPool2dSpec spec) {
        return new Shape(spec.strideH(), spec.strideW());
    }

    private static Shape padding(MaxPool2dSpec spec) {
        return new Shape(spec.padH(), spec.padW());
    }
}
