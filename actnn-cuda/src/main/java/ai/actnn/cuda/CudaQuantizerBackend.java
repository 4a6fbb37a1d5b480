package ai.actnn.cuda;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.Backend;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaskedOutput;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.MaxPoolOutput;
import ai.actnn.quant.MetadataType;
import ai.actnn.quant.PackedLayout;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.PoolCodec;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.Quantizer;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fused CUDA kernels as a {@link Backend} for GPU tensors of the PyTorch engine: quantizer,
 * mask codec and pooling codec. Registered through {@code
 * META-INF/services/ai.actnn.quant.Backend}; the store's {@code Backends} picks it for GPU devices
 * when {@link #supports} holds.
 *
 * <p>The layer forwards that keep a mask or offsets for their backward run as one kernel each,
 * output and state together: ReLU (also in place), dropout, max pooling 2d; max pooling's backward
 * is a deterministic gather ({@link CudaLayerKernels}).
 *
 * <p>It produces exactly the bytes of {@code docs/format.md}, like the CPU backend. Quantization
 * reads the input once when the group size is at most 1024 (one warp per group keeps the group in
 * registers: minimum, maximum, record and codes in one kernel), twice otherwise or when the
 * statistics were computed first ({@link #analyze}, the adaptive level's path). The metadata type
 * decides the size of the result, so every quantization reads one flag back to the host (one
 * small device-to-host copy, which waits for the kernels queued before it); when a group needs
 * FP32 records (rare: ranges fp16 cannot express), the fused path runs a second time with FP32
 * records.
 *
 * <p>Kernels run on the legacy default stream in the device's primary context, ordered with
 * PyTorch's own work (see {@link CudaDriver}). Inputs need not be contiguous (a contiguous copy is
 * made) and may be FLOAT32 or FLOAT16; results live on the input's device and belong to the given
 * manager, which must be a PyTorch-engine manager (the outputs of the fused layer forwards belong
 * to their input's manager, as the codec interfaces specify).
 *
 * <p>Constructing this class touches no CUDA code (the service loader instantiates it on every
 * machine); the driver and kernels load on the first {@link #supports} question about a GPU.
 */
public final class CudaQuantizerBackend implements Backend, Quantizer, MaskCodec, PoolCodec {

    private static final Logger logger = LoggerFactory.getLogger(CudaQuantizerBackend.class);

    /** Devices already reported (once per process: the service loader may create several instances). */
    private static final Set<Integer> REPORTED = ConcurrentHashMap.newKeySet();

    /** Creates the backend; no CUDA library is loaded until a GPU device is asked about. */
    public CudaQuantizerBackend() {}

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "cuda";
    }

    /**
     * {@inheritDoc}
     *
     * <p>True only for GPU devices whose CUDA driver and kernels load. Any failure (no GPU, no
     * CUDA libraries, a driver too old for the kernels) answers false and is logged once per device
     * at INFO with its reason.
     */
    @Override
    public boolean supports(Device device) {
        if (device == null || !device.isGpu()) {
            return false;
        }
        Optional<String> reason = CudaSupport.unavailableReason(device);
        if (reason.isPresent()) {
            if (REPORTED.add(device.getDeviceId())) {
                logger.info("ActNN CUDA kernels unavailable on {}: {}", device, reason.get());
            }
            return false;
        }
        if (REPORTED.add(device.getDeviceId())) {
            logger.debug("{}", CudaSupport.describe(device));
        }
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public Quantizer quantizer() {
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public MaskCodec masks() {
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public Optional<PoolCodec> pooling() {
        return Optional.of(this);
    }

    /** {@inheritDoc} */
    @Override
    public PackedMask packInRange(NDArray x, Range range, NDManager manager) {
        if (range == null) {
            throw new IllegalArgumentException("range must not be null");
        }
        // The range test on the device (NaN compares false, so it is outside), packed by the
        // non-zero kernel.
        try (NDArray above = range.lowIncluded() ? x.gte(range.low()) : x.gt(range.low());
                NDArray below = range.highIncluded() ? x.lte(range.high()) : x.lt(range.high());
                NDArray inside = above.logicalAnd(below)) {
            return packNonZero(inside, manager);
        }
    }

    /** {@inheritDoc} */
    @Override
    public GroupStats analyze(NDArray x, int groupSize) {
        ActNNConfig.checkGroupSize(groupSize);
        DataType type = CudaArrays.requireFloat(x, "the tensor to analyze");
        Device device = CudaArrays.gpuDevice(x, "the tensor to analyze");
        CudaKernels kernels = CudaSupport.kernels(device);
        Shape shape = x.getShape();
        CudaKernels.Layout layout = geometry(shape, groupSize, 0, 0, 0);
        PtNDManager owner = (PtNDManager) PtArrays.pt(x, "the tensor to analyze").getManager().newSubManager();
        try (CudaArrays.Input in = CudaArrays.input(x, "the tensor to analyze")) {
            PtNDArray stats = PtArrays.empty(owner, new Shape(2 * layout.groups()), DataType.FLOAT32, device);
            CudaGroupStats result = new CudaGroupStats(shape, groupSize, layout, owner, stats, kernels, x);
            if (layout.groups() > 0) {
                kernels.groupStats(type, in.address, result.address(), layout, in.aligned(2 * type.getNumOfBytes()));
            }
            return result;
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>With statistics from {@link #analyze} the two-pass path runs (FP16 eligibility from the
     * statistics, then packing). Statistics of another backend are not on the device and are
     * ignored: the fused path recomputes them.
     */
    @Override
    public PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager) {
        if (!stats.getShape().equals(x.getShape()) || stats.getGroupSize() != spec.getGroupSize()) {
            throw new IllegalArgumentException("statistics of shape " + stats.getShape() + " and group size "
                    + stats.getGroupSize() + " do not match the tensor " + x.getShape() + " and group size "
                    + spec.getGroupSize());
        }
        if (!(stats instanceof CudaGroupStats)) {
            return quantize(x, spec, manager);
        }
        CudaGroupStats cs = (CudaGroupStats) stats;
        if (!cs.device().equals(x.getDevice())) {
            throw new IllegalArgumentException("statistics on " + cs.device() + " cannot pack a tensor on "
                    + x.getDevice());
        }
        Request r = new Request(x, spec, manager);
        try (r) {
            if (r.layout.groups() == 0) {
                return r.result(MetadataType.FP16, null);
            }
            MetadataType meta;
            try (PtNDArray flag = PtArrays.zeros(r.manager, new Shape(1), DataType.INT32, r.device)) {
                r.kernels.fp16Check(cs.address(), PtArrays.address(flag), r.layout);
                meta = readFlag(flag) ? MetadataType.FP32 : MetadataType.FP16;
            }
            PtNDArray storage = r.allocate(meta);
            r.kernels.pack(r.type, r.in.address, cs.address(), PtArrays.address(storage), r.layout, spec.getKey(),
                    spec.isStochastic(), meta == MetadataType.FP32, r.xAligned());
            return r.result(meta, storage);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Single pass over the input for group sizes up to 1024 (FP16 records first, re-run with FP32
     * records if a group needs them); larger groups use {@link #analyze} and the two-pass path.
     */
    @Override
    public PackedTensor quantize(NDArray x, QuantizeSpec spec, NDManager manager) {
        int variant = LaunchConfig.fusedVariant(spec.getGroupSize());
        if (variant == 0) {
            try (GroupStats stats = analyze(x, spec.getGroupSize())) {
                return quantize(x, stats, spec, manager);
            }
        }
        Request r = new Request(x, spec, manager);
        try (r) {
            if (r.layout.groups() == 0) {
                return r.result(MetadataType.FP16, null);
            }
            try (PtNDArray flag = PtArrays.zeros(r.manager, new Shape(1), DataType.INT32, r.device)) {
                PtNDArray storage = r.allocate(MetadataType.FP16);
                r.kernels.quantizeFused(r.type, variant, r.in.address, PtArrays.address(storage),
                        PtArrays.address(flag), r.layout, spec.getKey(), spec.isStochastic(), false, r.xAligned());
                if (!readFlag(flag)) {
                    return r.result(MetadataType.FP16, storage);
                }
                // A group needs FP32 records, so all groups get them (docs/format.md): run again.
                storage.close();
                storage = r.allocate(MetadataType.FP32);
                r.kernels.quantizeFused(r.type, variant, r.in.address, PtArrays.address(storage),
                        PtArrays.address(flag), r.layout, spec.getKey(), spec.isStochastic(), true, r.xAligned());
                return r.result(MetadataType.FP32, storage);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray dequantize(PackedTensor packed, NDManager manager) {
        NDArray storage = packed.getStorage();
        Device device = CudaArrays.gpuDevice(storage, "the packed tensor");
        DataType type = packed.getDataType();
        CudaKernels.suffix(type);
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDManager pm = PtArrays.ptManager(manager);
        byte[] bits = packed.getBits();
        try (Tables tables = Tables.of(pm, device, packed.getShape(), packed.getGroupSize(), bits)) {
            CudaKernels.Layout layout = geometry(packed.getShape(), packed.getGroupSize(), tables.bitsAddress,
                    tables.offsetsAddress, tables.uniformBits);
            PtNDArray out = PtArrays.empty(pm, packed.getShape(), type, device);
            if (layout.groups() > 0) {
                try (CudaArrays.Input in = CudaArrays.input(storage, "the packed bytes")) {
                    long y = PtArrays.address(out);
                    kernels.unpack(type, in.address, y, layout, packed.getMetadataType() == MetadataType.FP32,
                            y % (2L * type.getNumOfBytes()) == 0);
                }
            }
            return out;
        }
    }

    /** {@inheritDoc} */
    @Override
    public PackedMask packPositive(NDArray x, NDManager manager) {
        return CudaLayerKernels.packPositive(x, manager);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One kernel writes the output and the mask ({@link CudaLayerKernels#reluForward}).
     */
    @Override
    public MaskedOutput relu(NDArray x, NDManager manager) {
        return CudaLayerKernels.reluForward(x, manager);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One kernel overwrites a contiguous {@code x} and writes the mask; a strided {@code x}
     * takes the default path (mask kernel, then PyTorch's {@code relu_}), since the kernel reads a
     * strided tensor through a copy.
     */
    @Override
    public PackedMask reluInPlace(NDArray x, NDManager manager) {
        if (!CudaLayerKernels.isContiguous(x)) {
            return MaskCodec.super.reluInPlace(x, manager);
        }
        return CudaLayerKernels.reluInPlace(x, manager);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One kernel draws the keep mask and writes the output ({@link
     * CudaLayerKernels#dropoutForward}).
     */
    @Override
    public MaskedOutput dropout(NDArray x, float rate, long key, NDManager manager) {
        return CudaLayerKernels.dropoutForward(x, rate, key, manager);
    }

    /**
     * Packs the mask {@code m != 0} of a tensor of any numeric or boolean type on the device
     * ({@link #packInRange} packs its boolean range test with it).
     *
     * @param m the tensor
     * @param manager the owner of the mask
     * @return the mask
     */
    PackedMask packNonZero(NDArray m, NDManager manager) {
        Device device = CudaArrays.gpuDevice(m, "the tensor");
        DataType type = m.getDataType();
        int width;
        long valueMask;
        switch (type) {
            case BOOLEAN:
            case INT8:
            case UINT8:
                width = 1;
                valueMask = 0xffL;
                break;
            case FLOAT16:
            case BFLOAT16:
                width = 2;
                valueMask = 0x7fffL;  // -0 is zero; NaN is not
                break;
            case INT16:
            case UINT16:
                width = 2;
                valueMask = 0xffffL;
                break;
            case FLOAT32:
                width = 4;
                valueMask = 0x7fffffffL;
                break;
            case INT32:
            case UINT32:
                width = 4;
                valueMask = 0xffffffffL;
                break;
            case FLOAT64:
                width = 8;
                valueMask = 0x7fffffffffffffffL;
                break;
            case INT64:
            case UINT64:
                width = 8;
                valueMask = -1L;
                break;
            default:
                throw new IllegalArgumentException("packNonZero supports numeric and boolean tensors, got " + type);
        }
        CudaKernels kernels = CudaSupport.kernels(device);
        PtNDManager pm = PtArrays.ptManager(manager);
        PtNDArray mask = PtArrays.empty(pm, new Shape(PackedMask.bytesFor(m.getShape())), DataType.UINT8, device);
        long n = m.getShape().size();
        if (n > 0) {
            try (CudaArrays.Input in = CudaArrays.input(m, "the tensor")) {
                kernels.packNonZero(width, in.address, PtArrays.address(mask), n, valueMask);
            }
        }
        return new PackedMask(m.getShape(), mask);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Per element: {@code grad * scale} in fp32 where the bit is set (rounded to nearest even
     * for FLOAT16; with scale 1 the gradient is copied bit for bit), {@code +0} where it is not, so
     * a NaN gradient of a masked-out element does not leak through (the CPU backend's rule).
     */
    @Override
    public NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager) {
        DataType type = CudaArrays.requireFloat(grad, "the gradient");
        Device device = CudaArrays.gpuDevice(grad, "the gradient");
        checkMask(grad, mask);
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
     * {@inheritDoc}
     *
     * <p>The dropout kernel without input and output: the same mask as {@link #dropout} draws.
     *
     * @throws IllegalArgumentException also for a manager that is not on a GPU of the PyTorch
     *     engine
     */
    @Override
    public PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager) {
        return CudaLayerKernels.keepMask(shape, rate, key, manager);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The fused max-pool kernel ({@link CudaLayerKernels#maxPool2dForward}).
     */
    @Override
    public MaxPoolOutput maxPool2d(NDArray x, MaxPool2dSpec spec, NDManager manager) {
        return CudaLayerKernels.maxPool2dForward(x, spec, manager);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A gather without atomics, deterministic ({@link CudaLayerKernels#maxPool2dBackward}).
     */
    @Override
    public NDArray maxPool2dBackward(NDArray grad, NDArray offsets, Shape inputShape, MaxPool2dSpec spec,
            NDManager manager) {
        return CudaLayerKernels.maxPool2dBackward(grad, offsets, inputShape, spec, manager);
    }

    private static void checkMask(NDArray grad, PackedMask mask) {
        if (!grad.getShape().equals(mask.getShape())) {
            throw new IllegalArgumentException("the gradient " + grad.getShape() + " and the mask "
                    + mask.getShape() + " must have one shape");
        }
        CudaArrays.sameDevice(grad, mask.getStorage(), "the gradient and the mask");
    }

    private static boolean readFlag(PtNDArray flag) {
        // A device-to-host copy on the default stream: it waits for the kernels queued before it.
        try (NDArray host = flag.toDevice(Device.cpu(), true)) {
            return host.toIntArray()[0] != 0;
        }
    }

    /**
     * Returns the kernel geometry of a tensor shape.
     *
     * @param shape the shape
     * @param groupSize the group size
     * @param bitsAddress per-sample bits on the device, or 0
     * @param offsetsAddress per-sample offsets on the device, or 0
     * @param uniformBits the bits when uniform
     * @return the layout
     */
    static CudaKernels.Layout geometry(Shape shape, int groupSize, long bitsAddress, long offsetsAddress,
            int uniformBits) {
        return new CudaKernels.Layout(PackedLayout.samples(shape), PackedLayout.featuresPerSample(shape),
                PackedLayout.groupsPerSample(shape, groupSize), groupSize, bitsAddress, offsetsAddress, uniformBits);
    }

    /**
     * The per-sample tables on the device: nothing when every sample has the same bits (the kernels
     * then compute offsets as {@code n * bytes per sample}), else the prefix sums of the payload
     * sizes ({@link PackedLayout#sampleOffsets}, {@code N + 1} int64) followed by the bits ({@code
     * N} bytes), uploaded in one copy.
     */
    static final class Tables implements AutoCloseable {
        final long bitsAddress;
        final long offsetsAddress;
        final int uniformBits;
        private final PtNDArray array;

        private Tables(long bitsAddress, long offsetsAddress, int uniformBits, PtNDArray array) {
            this.bitsAddress = bitsAddress;
            this.offsetsAddress = offsetsAddress;
            this.uniformBits = uniformBits;
            this.array = array;
        }

        static Tables of(PtNDManager manager, Device device, Shape shape, int groupSize, byte[] bits) {
            boolean uniform = true;
            for (byte b : bits) {
                uniform &= b == bits[0];
            }
            if (uniform) {
                return new Tables(0L, 0L, bits.length == 0 ? 8 : bits[0], null);
            }
            ByteBuffer host = hostTables(shape, groupSize, bits);
            PtNDArray array = PtArrays.upload(manager, host, new Shape(host.capacity()), DataType.UINT8, device);
            long base = PtArrays.address(array);
            return new Tables(base + 8L * (bits.length + 1), base, 0, array);
        }

        /**
         * Returns the host image of the tables: {@code N + 1} little-endian int64 offsets, then
         * {@code N} bits.
         *
         * @param shape the tensor shape
         * @param groupSize the group size
         * @param bits bits per sample
         * @return a direct buffer in native order
         */
        static ByteBuffer hostTables(Shape shape, int groupSize, byte[] bits) {
            long[] offsets = PackedLayout.sampleOffsets(shape, groupSize, bits);
            ByteBuffer host = ByteBuffer.allocateDirect(8 * offsets.length + bits.length).order(ByteOrder.nativeOrder());
            for (long o : offsets) {
                host.putLong(o);
            }
            host.put(bits);
            host.rewind();
            return host;
        }

        /** Frees the device tables (safe right after the launches: stream order). */
        @Override
        public void close() {
            if (array != null) {
                array.close();
            }
        }
    }

    /** One quantization: validated input, geometry, device tables and the result's owner. */
    private static final class Request implements AutoCloseable {
        final DataType type;
        final Device device;
        final Shape shape;
        final QuantizeSpec spec;
        final byte[] bits;
        final PtNDManager manager;
        final CudaKernels kernels;
        final CudaArrays.Input in;
        final Tables tables;
        final CudaKernels.Layout layout;

        Request(NDArray x, QuantizeSpec spec, NDManager manager) {
            this.type = CudaArrays.requireFloat(x, "the tensor to quantize");
            this.device = CudaArrays.gpuDevice(x, "the tensor to quantize");
            this.shape = x.getShape();
            this.spec = spec;
            this.bits = spec.bitsFor(PackedLayout.samples(shape));
            this.manager = PtArrays.ptManager(manager);
            this.kernels = CudaSupport.kernels(device);
            this.in = CudaArrays.input(x, "the tensor to quantize");
            Tables t = null;
            try {
                t = Tables.of(this.manager, device, shape, spec.getGroupSize(), bits);
            } catch (RuntimeException e) {
                in.close();
                throw e;
            }
            this.tables = t;
            this.layout = geometry(shape, spec.getGroupSize(), t.bitsAddress, t.offsetsAddress, t.uniformBits);
        }

        boolean xAligned() {
            return in.aligned(2 * type.getNumOfBytes());
        }

        PtNDArray allocate(MetadataType meta) {
            long bytes = PackedTensor.expectedBytes(shape, spec.getGroupSize(), bits, meta);
            return PtArrays.empty(manager, new Shape(bytes), DataType.UINT8, device);
        }

        PackedTensor result(MetadataType meta, PtNDArray storage) {
            PtNDArray s = storage != null ? storage : allocate(meta);
            return new PackedTensor(shape, type, spec.getGroupSize(), bits, meta, spec.getKey(), spec.isStochastic(), s);
        }

        @Override
        public void close() {
            tables.close();
            in.close();
        }
    }
}
