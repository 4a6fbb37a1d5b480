package ai.actnn.cuda;

import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaskedOutput;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.MaxPoolOutput;
import ai.actnn.quant.PackedMask;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

import java.util.function.Supplier;

/**
 * The fused CUDA kernels of the compact layers (ReLU, dropout, max pooling 2d), behind the codecs
 * of {@link CudaQuantizerBackend}: each forward writes the output and the compact state its
 * backward needs in one pass, and the max-pool backward reads only that state. Inputs are FLOAT32
 * or FLOAT16 tensors on a GPU of the PyTorch engine (non-contiguous inputs are read through a
 * contiguous copy); outputs are attached to the input's manager, masks and offsets to the given
 * manager (a PyTorch-engine manager). Masks use the layout of {@code docs/format.md}, like the CPU
 * backend's {@link PackedMask}s.
 *
 * <p>Bad arguments throw {@link IllegalArgumentException} naming them; a device whose kernels do
 * not load throws {@link IllegalStateException} with the reason. Kernels run asynchronously on the
 * default stream, in order with PyTorch's work.
 */
final class CudaLayerKernels {

    private CudaLayerKernels() {}

    /**
     * ReLU forward: {@code y = x} except {@code +0} where {@code x < 0} ({@code -0} and NaN pass
     * unchanged, as in PyTorch's CPU {@code relu}), and the mask {@code x > 0}, in one pass.
     *
     * @param x the input
     * @param manager the owner of the mask
     * @return y (in {@code x}'s manager) and the mask
     */
    static MaskedOutput reluForward(NDArray x, NDManager manager) {
        PtNDArray y = outputLike(x, "the ReLU input");
        return withOutput(y, () -> relu(x, PtArrays.address(y), manager));
    }

    /**
     * Packs the ReLU mask {@code x > 0} alone (the ReLU kernel without an output).
     *
     * @param x the tensor
     * @param manager the owner of the mask
     * @return the mask
     */
    static PackedMask packPositive(NDArray x, NDManager manager) {
        return relu(x, 0L, manager);
    }

    /**
     * Returns whether {@link #reluInPlace} can overwrite a tensor: a contiguous PyTorch tensor
     * (the kernel writes the elements where it reads them; a non-contiguous tensor would be read
     * through a copy).
     *
     * @param x the tensor
     * @return whether it is contiguous
     */
    static boolean isContiguous(NDArray x) {
        return PtArrays.isContiguous(PtArrays.pt(x, "the ReLU input"));
    }

    /**
     * ReLU forward in place: packs the mask {@code x > 0} and overwrites {@code x} with {@code y}
     * of {@link #reluForward}, in one pass.
     *
     * @param x the input, contiguous ({@link #isContiguous}), overwritten
     * @param manager the owner of the mask
     * @return the mask
     * @throws IllegalArgumentException if {@code x} is not contiguous
     */
    static PackedMask reluInPlace(NDArray x, NDManager manager) {
        PtNDArray p = PtArrays.pt(x, "the ReLU input");
        if (!PtArrays.isContiguous(p)) {
            throw new IllegalArgumentException("in-place ReLU needs a contiguous tensor, got a strided "
                    + x.getShape());
        }
        return relu(x, PtArrays.address(p), manager);
    }

    /** The ReLU kernel: the mask, and {@code y} at address {@code y} unless it is 0 (may be x's). */
    private static PackedMask relu(NDArray x, long y, NDManager manager) {
        DataType type = CudaArrays.requireFloat(x, "the ReLU input");
        Device device = CudaArrays.gpuDevice(x, "the ReLU input");
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray mask = maskFor(x.getShape(), manager, device);
        return withMask(x.getShape(), mask, () -> {
            try (CudaArrays.Input in = CudaArrays.input(x, "the ReLU input")) {
                kernels.reluForward(type, in.address, y, PtArrays.address(mask), x.size());
            }
        });
    }

    /**
     * Dropout forward (docs/format.md, "Dropout keep mask"): element {@code i} (row-major index)
     * is kept iff {@code r(i) >= rate}, with {@code r} the format's counter-based generator keyed
     * by {@code key}; {@code y = x * }{@link MaskCodec#dropoutScale} where kept and {@code +0}
     * where dropped: the CPU backend's {@code randomKeepMask} followed by {@code applyMask(x,
     * keep, scale)}, in one pass that also writes the keep mask.
     *
     * @param x the input
     * @param rate the drop probability, in [0, 1]
     * @param key the layer's random key for this step
     * @param manager the owner of the mask
     * @return y (in {@code x}'s manager) and the keep mask
     */
    static MaskedOutput dropoutForward(NDArray x, float rate, long key, NDManager manager) {
        float scale = MaskCodec.dropoutScale(rate);
        DataType type = CudaArrays.requireFloat(x, "the dropout input");
        Device device = CudaArrays.gpuDevice(x, "the dropout input");
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray y = outputLike(x, "the dropout input");
        return withOutput(y, () -> {
            PtNDArray mask = maskFor(x.getShape(), manager, device);
            return withMask(x.getShape(), mask, () -> {
                try (CudaArrays.Input in = CudaArrays.input(x, "the dropout input")) {
                    kernels.dropoutForward(type, in.address, PtArrays.address(y), PtArrays.address(mask), x.size(),
                            key, rate, scale);
                }
            });
        });
    }

    /**
     * The dropout keep mask alone (the dropout kernel without input and output).
     *
     * @param shape the shape of the masked tensor
     * @param rate the drop probability, in [0, 1]
     * @param key the random key
     * @param manager the owner of the mask; its device, a GPU, is where the mask is created
     * @return the mask
     */
    static PackedMask keepMask(Shape shape, float rate, long key, NDManager manager) {
        float scale = MaskCodec.dropoutScale(rate);
        Device device = manager.getDevice();
        if (!device.isGpu()) {
            throw new IllegalArgumentException("the CUDA backend creates masks on GPUs only, the manager is on "
                    + device);
        }
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray mask = maskFor(shape, manager, device);
        return withMask(shape, mask, () -> kernels.dropoutForward(DataType.FLOAT32, 0L, 0L, PtArrays.address(mask),
                shape.size(), key, rate, scale));
    }

    /**
     * Max-pool 2d forward with PyTorch's semantics (dilation 1): output and, per output element,
     * the one-byte offset of the maximum inside its window.
     *
     * @param x the input, {@code [N, C, H, W]} or {@code [C, H, W]}
     * @param spec the pooling
     * @param manager the owner of the offsets
     * @return the output (in {@code x}'s manager) and the offsets
     */
    static MaxPoolOutput maxPool2dForward(NDArray x, MaxPool2dSpec spec, NDManager manager) {
        DataType type = CudaArrays.requireFloat(x, "the max-pool input");
        Device device = CudaArrays.gpuDevice(x, "the max-pool input");
        Shape in = x.getShape();
        Shape outShape = spec.outputShape(in);
        Geometry g = new Geometry(in, outShape);
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDArray y = PtArrays.empty(ptManagerOf(x, "the max-pool input"), outShape, type, device);
        PtNDArray offsets = null;
        try {
            offsets = PtArrays.empty(PtArrays.ptManager(manager), outShape, DataType.UINT8, device);
            if (g.planes > 0 && in.size() > 0) {
                try (CudaArrays.Input xi = CudaArrays.input(x, "the max-pool input")) {
                    kernels.maxPoolForward(type, xi.address, PtArrays.address(y), PtArrays.address(offsets),
                            g.planes, g.height, g.width, g.outH, g.outW, spec);
                }
            }
            return new MaxPoolOutput(y, offsets);
        } catch (RuntimeException e) {
            y.close();
            if (offsets != null) {
                offsets.close();
            }
            throw e;
        }
    }

    /**
     * Max-pool 2d backward as a gather: each input element sums, in fp32 and in ascending window
     * order, the gradients of the windows whose maximum it is, then rounds once to the type.
     * Deterministic (no atomics); equals PyTorch's CPU result.
     *
     * @param grad the output gradient, of the output's shape
     * @param offsets the offsets of {@link #maxPool2dForward}
     * @param inputShape the input's shape
     * @param spec the pooling of the forward pass
     * @param manager the owner of the result
     * @return the input gradient, of {@code inputShape}
     */
    static NDArray maxPool2dBackward(NDArray grad, NDArray offsets, Shape inputShape, MaxPool2dSpec spec,
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
        try {
            if (g.planes > 0 && inputShape.size() > 0) {
                try (CudaArrays.Input dy = CudaArrays.input(grad, "the max-pool gradient");
                        CudaArrays.Input off = CudaArrays.input(offsets, "the max-pool offsets")) {
                    kernels.maxPoolBackward(type, dy.address, off.address, PtArrays.address(dx), g.planes,
                            g.height, g.width, g.outH, g.outW, spec);
                }
            }
            return dx;
        } catch (RuntimeException e) {
            dx.close();
            throw e;
        }
    }

    private static PtNDManager ptManagerOf(NDArray x, String what) {
        return PtArrays.ptManager(PtArrays.pt(x, what).getManager());
    }

    /** A new uninitialised tensor shaped and typed like {@code x}, in {@code x}'s manager. */
    private static PtNDArray outputLike(NDArray x, String what) {
        DataType type = CudaArrays.requireFloat(x, what);
        Device device = CudaArrays.gpuDevice(x, what);
        return PtArrays.empty(ptManagerOf(x, what), x.getShape(), type, device);
    }

    private static PtNDArray maskFor(Shape shape, NDManager manager, Device device) {
        return PtArrays.empty(PtArrays.ptManager(manager), new Shape(PackedMask.bytesFor(shape)), DataType.UINT8,
                device);
    }

    /** Runs the launch that fills a mask (none for an empty tensor); frees the mask if it fails. */
    private static PackedMask withMask(Shape shape, PtNDArray mask, Runnable launch) {
        try {
            if (shape.size() > 0) {
                launch.run();
            }
            return new PackedMask(shape, mask);
        } catch (RuntimeException e) {
            mask.close();
            throw e;
        }
    }

    /** Pairs an output with the mask that {@code fill} writes along with it; frees it on failure. */
    private static MaskedOutput withOutput(PtNDArray y, Supplier<PackedMask> fill) {
        try {
            return new MaskedOutput(y, fill.get());
        } catch (RuntimeException e) {
            y.close();
            throw e;
        }
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
