package ai.actnn.cuda;

import ai.actnn.quant.PackedMask;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

/**
 * Fused CUDA kernels of the compact layers (ReLU, dropout, max pooling 2d): each forward writes the
 * output and the compact state its backward needs in one pass, and each backward reads only that
 * state. Inputs are FLOAT32 or FLOAT16 tensors on a GPU of the PyTorch engine (non-contiguous inputs
 * are read through a contiguous copy); results live on the input's device and belong to {@code
 * manager} (a PyTorch-engine manager). Masks use the layout of {@code docs/format.md} and are
 * interchangeable with the CPU backend's {@link PackedMask}s.
 *
 * <p>Every method throws {@link IllegalArgumentException} for a bad argument (message names it) and
 * {@link IllegalStateException} with the reason when the kernels cannot run on the device (check
 * with {@link CudaSupport#isAvailable} first). Kernels run asynchronously on the default stream,
 * in order with PyTorch's work.
 */
public final class CudaLayerKernels {

    private CudaLayerKernels() {}

    /**
     * Returns whether the kernels run on a device.
     *
     * @param device the device
     * @return {@link CudaSupport#isAvailable}
     */
    public static boolean isAvailable(Device device) {
        return CudaSupport.isAvailable(device);
    }

    /**
     * ReLU forward: {@code y = x} where {@code x > 0} or {@code x} is NaN, {@code +0} elsewhere,
     * and the mask {@code x > 0}, in one pass.
     *
     * @param x the input
     * @param manager the owner of the results
     * @return y and the mask
     */
    public static MaskedOutput reluForward(NDArray x, NDManager manager) {
        DataType type = CudaArrays.requireFloat(x, "the ReLU input");
        Device device = CudaArrays.gpuDevice(x, "the ReLU input");
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDManager pm = PtArrays.ptManager(manager);
        PtNDArray y = PtArrays.empty(pm, x.getShape(), type, device);
        PtNDArray mask = PtArrays.empty(pm, new Shape(PackedMask.bytesFor(x.getShape())), DataType.UINT8, device);
        long n = x.getShape().size();
        if (n > 0) {
            try (CudaArrays.Input in = CudaArrays.input(x, "the ReLU input")) {
                kernels.reluForward(type, in.address, PtArrays.address(y), PtArrays.address(mask), n);
            }
        }
        return new MaskedOutput(y, new PackedMask(x.getShape(), mask));
    }

    /**
     * ReLU backward: {@code dx = dy} where the mask is set, {@code +0} elsewhere (a NaN gradient of
     * a masked-out element does not leak through, as in PyTorch's {@code threshold_backward}).
     *
     * @param grad the output gradient
     * @param mask the mask of {@link #reluForward}
     * @param manager the owner of the result
     * @return the input gradient
     */
    public static NDArray reluBackward(NDArray grad, PackedMask mask, NDManager manager) {
        return applyMask(grad, mask, 1.0f, manager);
    }

    /**
     * Returns dropout's scale {@code 1 / (1 - rate)} computed in fp32 ({@code 1f / (1f - rate)}),
     * and 0 for rate 1, exactly as {@code QDropout} passes it to {@code applyMask}.
     *
     * @param rate the drop probability, in [0, 1]
     * @return the scale
     * @throws IllegalArgumentException for a rate outside [0, 1]
     */
    public static float dropoutScale(float rate) {
        if (!(rate >= 0f && rate <= 1f)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1], got " + rate);
        }
        return rate >= 1f ? 0f : 1f / (1f - rate);
    }

    /**
     * Dropout forward (docs/format.md, "Dropout keep mask"): element {@code i} (row-major index)
     * is kept iff {@code r(i) >= rate}, with {@code r} the format's counter-based generator keyed by
     * {@code key}; {@code y = x * scale} where kept and {@code +0} where dropped, with {@code scale
     * =} {@link #dropoutScale}: the same values as the CPU backend's {@code randomKeepMask} followed
     * by {@code applyMask(x, keep, scale)}, in one pass that also writes the keep mask.
     * Deterministic: the same key gives the same mask on every device and backend.
     *
     * @param x the input
     * @param rate the drop probability, in [0, 1]
     * @param key the layer's random key for this step
     * @param manager the owner of the results
     * @return y and the keep mask
     */
    public static MaskedOutput dropoutForward(NDArray x, float rate, long key, NDManager manager) {
        float scale = dropoutScale(rate);
        DataType type = CudaArrays.requireFloat(x, "the dropout input");
        Device device = CudaArrays.gpuDevice(x, "the dropout input");
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDManager pm = PtArrays.ptManager(manager);
        PtNDArray y = PtArrays.empty(pm, x.getShape(), type, device);
        PtNDArray mask = PtArrays.empty(pm, new Shape(PackedMask.bytesFor(x.getShape())), DataType.UINT8, device);
        long n = x.getShape().size();
        if (n > 0) {
            try (CudaArrays.Input in = CudaArrays.input(x, "the dropout input")) {
                kernels.dropoutForward(type, in.address, PtArrays.address(y), PtArrays.address(mask), n, key, rate,
                        scale);
            }
        }
        return new MaskedOutput(y, new PackedMask(x.getShape(), mask));
    }

    /**
     * Dropout backward: {@code dx = dy * scale} where kept, {@code +0} elsewhere.
     *
     * @param grad the output gradient
     * @param keep the keep mask of {@link #dropoutForward}
     * @param rate the rate of the forward pass
     * @param manager the owner of the result
     * @return the input gradient
     */
    public static NDArray dropoutBackward(NDArray grad, PackedMask keep, float rate, NDManager manager) {
        return applyMask(grad, keep, dropoutScale(rate), manager);
    }

    private static NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager) {
        DataType type = CudaArrays.requireFloat(grad, "the gradient");
        Device device = CudaArrays.gpuDevice(grad, "the gradient");
        CudaQuantizerBackend.checkMask(grad, mask);
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray out = PtArrays.empty(PtArrays.ptManager(manager), grad.getShape(), type, device);
        long n = grad.getShape().size();
        if (n > 0) {
            try (CudaArrays.Input g = CudaArrays.input(grad, "the gradient");
                    CudaArrays.Input m = CudaArrays.input(mask.getStorage(), "the mask")) {
                kernels.applyMask(type, g.address, m.address, PtArrays.address(out), n, scale);
            }
        }
        return out;
    }

    /**
     * Max-pool 2d forward with PyTorch's semantics (dilation 1): output and, per output element,
     * the one-byte offset of the maximum inside its window ({@link MaxPoolOutput}).
     *
     * @param x the input, {@code [N, C, H, W]} or {@code [C, H, W]}
     * @param spec the pooling
     * @param manager the owner of the results
     * @return the output and offsets
     */
    public static MaxPoolOutput maxPool2dForward(NDArray x, MaxPool2dSpec spec, NDManager manager) {
        DataType type = CudaArrays.requireFloat(x, "the max-pool input");
        Device device = CudaArrays.gpuDevice(x, "the max-pool input");
        Shape in = x.getShape();
        Shape outShape = spec.outputShape(in);
        Geometry g = new Geometry(in, outShape);
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDManager pm = PtArrays.ptManager(manager);
        PtNDArray y = PtArrays.empty(pm, outShape, type, device);
        PtNDArray offsets = PtArrays.empty(pm, outShape, DataType.UINT8, device);
        if (g.planes > 0 && in.size() > 0) {
            try (CudaArrays.Input xi = CudaArrays.input(x, "the max-pool input")) {
                kernels.maxPoolForward(type, xi.address, PtArrays.address(y), PtArrays.address(offsets), g.planes,
                        g.height, g.width, g.outH, g.outW, spec);
            }
        }
        return new MaxPoolOutput(y, offsets);
    }

    /**
     * Max-pool 2d backward as a gather: each input element sums, in fp32 and in ascending window
     * order, the gradients of the windows whose maximum it is, then rounds once to the type.
     * Deterministic (no atomics); equals PyTorch's CPU result for fp32.
     *
     * @param grad the output gradient, of the output's shape
     * @param offsets the offsets of {@link #maxPool2dForward}
     * @param inputShape the input's shape
     * @param spec the pooling of the forward pass
     * @param manager the owner of the result
     * @return the input gradient, of {@code inputShape}
     */
    public static NDArray maxPool2dBackward(NDArray grad, NDArray offsets, Shape inputShape, MaxPool2dSpec spec,
            NDManager manager) {
        DataType type = CudaArrays.requireFloat(grad, "the max-pool gradient");
        Device device = CudaArrays.gpuDevice(grad, "the max-pool gradient");
        Shape outShape = spec.outputShape(inputShape);
        if (!grad.getShape().equals(outShape) || !offsets.getShape().equals(outShape)) {
            throw new IllegalArgumentException("the gradient " + grad.getShape() + " and the offsets "
                    + offsets.getShape() + " must have the output shape " + outShape + " of input " + inputShape);
        }
        if (offsets.getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException("max-pool offsets must be UINT8, got " + offsets.getDataType());
        }
        CudaArrays.sameDevice(grad, offsets, "the gradient and the offsets");
        Geometry g = new Geometry(inputShape, outShape);
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray dx = PtArrays.empty(PtArrays.ptManager(manager), inputShape, type, device);
        if (g.planes > 0 && inputShape.size() > 0) {
            try (CudaArrays.Input dy = CudaArrays.input(grad, "the max-pool gradient");
                    CudaArrays.Input off = CudaArrays.input(offsets, "the max-pool offsets")) {
                kernels.maxPoolBackward(type, dy.address, off.address, PtArrays.address(dx), g.planes, g.height,
                        g.width, g.outH, g.outW, spec);
            }
        }
        return dx;
    }

    /** Planes and sizes of a pooling, with the int ranges the kernels need checked. */
    static final class Geometry {
        final long planes;
        final int height;
        final int width;
        final int outH;
        final int outW;

        Geometry(Shape in, Shape out) {
            int r = in.dimension();
            long p = 1;
            for (int i = 0; i < r - 2; i++) {
                p *= in.get(i);
            }
            planes = p;
            long h = in.get(r - 2);
            long w = in.get(r - 1);
            long oh = out.get(r - 2);
            long ow = out.get(r - 1);
            if (h * w > Integer.MAX_VALUE || oh * ow > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("max pooling supports planes of at most 2^31 - 1 elements, got "
                        + h + "x" + w);
            }
            height = (int) h;
            width = (int) w;
            outH = (int) oh;
            outW = (int) ow;
        }
    }
}
