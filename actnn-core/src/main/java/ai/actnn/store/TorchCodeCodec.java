package ai.actnn.store;

import ai.actnn.internal.TensorOps;
import ai.actnn.quant.CodeCodec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Few-bit codes computed with PyTorch's own ops (bucketize, shifts), for devices whose backend
 * has no code codec: the same bytes as the CPU backend's, on any device.
 */
final class TorchCodeCodec implements CodeCodec {

    static final TorchCodeCodec INSTANCE = new TorchCodeCodec();

    private TorchCodeCodec() {}

    @Override
    public NDArray packCodes(NDArray x, float[] boundaries, float scale, int bits, NDManager manager) {
        try (NDArray b = x.getManager().create(boundaries).toDevice(x.getDevice(), false)) {
            return TensorOps.packCodes(x, b, scale, bits, manager);
        }
    }

    @Override
    public NDArray applyCodes(NDArray grad, NDArray packed, float[] values, int bits, NDManager manager) {
        try (NDArray v = grad.getManager().create(values).toDevice(grad.getDevice(), false)) {
            return TensorOps.applyCodes(grad, packed, v, bits, manager);
        }
    }
}
