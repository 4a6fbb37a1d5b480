package ai.actnn.quant.cpu;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.Backend;
import ai.actnn.quant.CodeCodec;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaskedCompaction;
import ai.actnn.quant.MetadataType;
import ai.actnn.quant.PackedLayout;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.Quantizer;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The CPU quantization backend: the reference implementation of {@code docs/format.md}.
 *
 * <p>It works on the tensors' memory directly (zero-copy direct buffers of PyTorch CPU tensors)
 * with plain Java loops, split over a few threads by whole groups; the bytes it produces do not
 * depend on the number of threads. Results are host tensors attached to the given manager.
 *
 * <p>The number of threads defaults to the number of processors and can be set with the system
 * property {@code actnn.cpu.threads}. The group arithmetic uses the incubating Vector API when the
 * JVM runs with {@code --add-modules jdk.incubator.vector} (about 2-4 times faster on AVX2), plain
 * Java otherwise; both give the same bytes.
 */
public final class CpuQuantizerBackend implements Backend, Quantizer, MaskCodec, CodeCodec, MaskedCompaction {

    /** The system property that sets the default number of threads. */
    public static final String THREADS_PROPERTY = "actnn.cpu.threads";

    /** Below this many elements a range is not worth a thread of its own (about 20-50 us). */
    private static final long MIN_ELEMENTS_PER_RANGE = 32 * 1024;

    private final Parallel parallel;
    private final GroupKernel kernel;

    /** Creates the backend with the default number of threads. */
    public CpuQuantizerBackend() {
        this(Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Creates the backend with a given number of threads.
     *
     * @param threads the number of threads, at least 1 (1 computes on the calling thread)
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public CpuQuantizerBackend(int threads) {
        this(new Parallel(threads, MIN_ELEMENTS_PER_RANGE), Kernels.best());
    }

    /**
     * Creates the backend over a given splitting of the work and arithmetic (tests vary them to
     * check that the bytes never depend on them).
     *
     * @param parallel how the work is split
     * @param kernel the group arithmetic
     */
    CpuQuantizerBackend(Parallel parallel, GroupKernel kernel) {
        this.parallel = parallel;
        this.kernel = kernel;
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "cpu";
    }

    /** {@inheritDoc} */
    @Override
    public boolean supports(Device device) {
        return device != null && Device.Type.CPU.equals(device.getDeviceType());
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
    public Optional<CodeCodec> codes() {
        return Optional.of(this);
    }

    /** {@inheritDoc} */
    @Override
    public Optional<MaskedCompaction> compaction() {
        return Optional.of(this);
    }

    /** {@inheritDoc} */
    @Override
    public GroupStats analyze(NDArray x, int groupSize) {
        Checks.floatTensor("tensor to analyze", x);
        ActNNConfig.checkGroupSize(groupSize);
        Shape shape = x.getShape();
        Geometry geometry = new Geometry(shape, groupSize);
        try (HostMemory memory = HostMemory.read(x)) {
            Analyzer analyzer = new Analyzer(Elements.of(memory.bytes(), x.getDataType()), geometry, kernel);
            parallel.run(geometry.groups, groupSize, analyzer);
            return new CpuGroupStats(shape, geometry, analyzer.mins(), analyzer.maxs(), x);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the tensor once: each group's minimum and maximum are computed while its elements
     * are in cache, betting on FP16 metadata; if some group needs FP32 records, the tensor is
     * analyzed and encoded again. The bytes equal those of {@link #analyze} followed by {@link
     * #quantize(NDArray, GroupStats, QuantizeSpec, NDManager)}.
     */
    @Override
    public PackedTensor quantize(NDArray x, QuantizeSpec spec, NDManager manager) {
        Checks.floatTensor("tensor to quantize", x);
        checkNotNull(spec, manager);
        Shape shape = x.getShape();
        Geometry geometry = new Geometry(shape, spec.getGroupSize());
        byte[] bits = spec.bitsFor(geometry.samples);
        Layout layout = Layout.of(shape, geometry, bits, MetadataType.FP16);
        NDArray storage = allocatePacked(manager, shape, spec.getGroupSize(), bits, MetadataType.FP16);
        boolean betLost;
        try (HostMemory memory = HostMemory.read(x)) {
            HostMemory.Output out = HostMemory.output(storage);
            Encoder encoder = new Encoder(
                    Elements.of(memory.bytes(), x.getDataType()), layout, kernel,
                    new float[geometry.groups], new float[geometry.groups], true,
                    spec.getKey(), spec.isStochastic(), out.bytes());
            parallel.run(geometry.groups, geometry.groupSize, encoder);
            betLost = encoder.betLost();
            if (!betLost) {
                out.commit();
                return packed(x, spec, bits, MetadataType.FP16, storage);
            }
        } catch (RuntimeException | Error e) {
            storage.close();
            throw e;
        }
        storage.close();
        try (GroupStats stats = analyze(x, spec.getGroupSize())) {
            return quantize(x, stats, spec, manager);
        }
    }

    /** {@inheritDoc} */
    @Override
    public PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager) {
        Checks.floatTensor("tensor to quantize", x);
        checkNotNull(spec, manager);
        CpuGroupStats own = ownStats(stats, x.getShape(), spec.getGroupSize());
        Geometry geometry = own.geometry();
        byte[] bits = spec.bitsFor(geometry.samples);
        float[] mins = own.mins();
        float[] maxs = own.maxs();
        Layout probe = Layout.of(x.getShape(), geometry, bits, MetadataType.FP16);
        MetadataType type = Encoder.chooseMetadata(probe, mins, maxs, parallel);
        Layout layout = Layout.of(x.getShape(), geometry, bits, type);
        NDArray storage = allocatePacked(manager, x.getShape(), spec.getGroupSize(), bits, type);
        try (HostMemory memory = HostMemory.read(x)) {
            HostMemory.Output out = HostMemory.output(storage);
            parallel.run(geometry.groups, geometry.groupSize, new Encoder(
                    Elements.of(memory.bytes(), x.getDataType()), layout, kernel, mins, maxs, false,
                    spec.getKey(), spec.isStochastic(), out.bytes()));
            out.commit();
            return packed(x, spec, bits, type, storage);
        } catch (RuntimeException | Error e) {
            storage.close();
            throw e;
        }
    }

    private static NDArray allocatePacked(
            NDManager manager, Shape shape, int groupSize, byte[] bits, MetadataType type) {
        long size = PackedTensor.expectedBytes(shape, groupSize, bits, type);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "packed tensor of " + size + " bytes exceeds the " + Integer.MAX_VALUE
                            + " bytes the cpu quantizer can address");
        }
        return HostMemory.allocate(manager, new Shape(size), DataType.UINT8);
    }

    private static PackedTensor packed(
            NDArray x, QuantizeSpec spec, byte[] bits, MetadataType type, NDArray storage) {
        return new PackedTensor(
                x.getShape(), x.getDataType(), spec.getGroupSize(), bits, type,
                spec.getKey(), spec.isStochastic(), storage);
    }

    private static void checkNotNull(QuantizeSpec spec, NDManager manager) {
        if (spec == null || manager == null) {
            throw new IllegalArgumentException("spec and manager must not be null");
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray dequantize(PackedTensor packed, NDManager manager) {
        if (packed == null || manager == null) {
            throw new IllegalArgumentException("packed tensor and manager must not be null");
        }
        NDArray bytes = packed.getStorage();
        if (bytes.isReleased()) {
            throw new IllegalArgumentException("packed tensor " + packed + " was closed");
        }
        Checks.device("packed tensor", packed.getDevice());
        DataType type = packed.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    "packed tensor has data type " + type + ": allowed are float32, float16");
        }
        Geometry geometry = new Geometry(packed.getShape(), packed.getGroupSize());
        Layout layout = Layout.of(packed.getShape(), geometry, packed.getBits(), packed.getMetadataType());
        try (HostMemory memory = HostMemory.read(bytes)) {
            return HostMemory.write(manager, packed.getShape(), type, out -> parallel.run(
                    geometry.groups, geometry.groupSize,
                    new Decoder(memory.bytes(), layout, kernel, Elements.of(out, type))));
        }
    }

    /** {@inheritDoc} */
    @Override
    public PackedMask packPositive(NDArray x, NDManager manager) {
        Checks.floatTensor("tensor of packPositive", x);
        return packMask(x, manager, data -> Masks.positive(Elements.of(data, x.getDataType()), kernel));
    }

    /** {@inheritDoc} */
    @Override
    public PackedMask packInRange(NDArray x, Range range, NDManager manager) {
        Checks.floatTensor("tensor of packInRange", x);
        if (range == null) {
            throw new IllegalArgumentException("range must not be null");
        }
        return packMask(x, manager,
                data -> Masks.packing(Masks.inRange(Elements.of(data, x.getDataType()), range), kernel));
    }

    private PackedMask packMask(
            NDArray x, NDManager manager, java.util.function.Function<ByteBuffer, Masks.Bits> test) {
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
        try (HostMemory memory = HostMemory.read(x)) {
            return pack(test.apply(memory.bytes()), x.getShape(), manager);
        }
    }

    /** Packs the flags of a tensor's elements into new mask storage. */
    private PackedMask pack(Masks.Bits bits, Shape shape, NDManager manager) {
        NDArray storage = HostMemory.write(manager, new Shape(PackedMask.bytesFor(shape)), DataType.UINT8,
                out -> Masks.pack(bits, Math.toIntExact(shape.size()), out, parallel));
        // the storage holds exactly bytesFor(shape) bytes: the mask accepts it
        return new PackedMask(shape, storage);
    }

    /** {@inheritDoc} */
    @Override
    public PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(
                    "dropout rate " + rate + " is invalid: allowed is a probability in [0, 1]");
        }
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
        // Element i is kept iff r(i) >= rate: the same generator as stochastic rounding, so
        // every backend draws the same mask for the same key (docs/format.md).
        Masks.Flags flags =
                (first, length, scratch) -> {
                    float[] r = scratch.random;
                    kernel.uniform(key, first, r, length);
                    byte[] out = scratch.codes;
                    for (int i = 0; i < length; i++) {
                        out[i] = (byte) (r[i] >= rate ? 1 : 0);
                    }
                    java.util.Arrays.fill(out, length, (length + 31) & -32, (byte) 0);
                };
        return pack(Masks.packing(flags, kernel), shape, manager);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager) {
        Checks.floatTensor("gradient of applyMask", grad);
        checkMask(mask, manager);
        if (!grad.getShape().equals(mask.getShape())) {
            throw new IllegalArgumentException(
                    "gradient of shape " + grad.getShape() + " does not match the mask's shape "
                            + mask.getShape() + ": the shapes must be equal");
        }
        DataType type = grad.getDataType();
        try (HostMemory g = HostMemory.read(grad);
                HostMemory m = HostMemory.read(mask.getStorage())) {
            return HostMemory.write(manager, grad.getShape(), type, out -> Masks.apply(
                    m.bytes(), Elements.of(g.bytes(), type), Elements.of(out, type), (int) grad.size(), scale,
                    kernel, parallel));
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray packCodes(NDArray x, float[] boundaries, float scale, int bits, NDManager manager) {
        Checks.floatTensor("tensor of packCodes", x);
        checkCodeBits(bits);
        if (boundaries == null || boundaries.length > (1 << bits) - 1) {
            throw new IllegalArgumentException(
                    (boundaries == null ? "null" : boundaries.length) + " boundaries cannot be coded in " + bits
                            + " bits: allowed are at most " + ((1 << bits) - 1));
        }
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
        int numel = Math.toIntExact(x.size());
        int per = 8 / bits;
        try (HostMemory in = HostMemory.read(x)) {
            return HostMemory.write(manager, new Shape((numel + per - 1) / per), DataType.UINT8,
                    out -> Codes.pack(Elements.of(in.bytes(), x.getDataType()), x.getDataType() == DataType.FLOAT16,
                            numel, boundaries, scale, bits, out, parallel));
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray applyCodes(NDArray grad, NDArray packed, float[] values, int bits, NDManager manager) {
        Checks.floatTensor("gradient of applyCodes", grad);
        Checks.hostTensor("codes of applyCodes", packed);
        checkCodeBits(bits);
        if (values == null || values.length > 1 << bits) {
            throw new IllegalArgumentException(
                    (values == null ? "null" : values.length) + " code values cannot be selected by " + bits
                            + "-bit codes: allowed are at most " + (1 << bits));
        }
        int numel = Math.toIntExact(grad.size());
        int per = 8 / bits;
        if (packed.getDataType() != DataType.UINT8 || packed.size() != (numel + per - 1) / per) {
            throw new IllegalArgumentException(
                    "codes of type " + packed.getDataType() + " and " + packed.size() + " bytes do not fit a gradient of "
                            + numel + " elements at " + bits + " bits: allowed are " + ((numel + per - 1) / per)
                            + " uint8 bytes");
        }
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
        DataType type = grad.getDataType();
        try (HostMemory g = HostMemory.read(grad);
                HostMemory c = HostMemory.read(packed)) {
            return HostMemory.write(manager, grad.getShape(), type, out -> Codes.apply(
                    c.bytes(), Elements.of(g.bytes(), type), type == DataType.FLOAT16, Elements.of(out, type),
                    numel, values, bits, parallel));
        }
    }

    /** {@inheritDoc} */
    @Override
    public Optional<NDArray> compact(NDArray x, PackedMask mask, NDManager manager) {
        Checks.floatTensor("tensor to compact", x);
        checkMask(mask, manager);
        Shape shape = x.getShape();
        if (!shape.equals(mask.getShape())) {
            throw new IllegalArgumentException(
                    "tensor of shape " + shape + " does not match the mask's shape " + mask.getShape()
                            + ": the shapes must be equal");
        }
        int samples = PackedLayout.samples(shape);
        long features = PackedLayout.featuresPerSample(shape);
        DataType type = x.getDataType();
        try (HostMemory in = HostMemory.read(x);
                HostMemory m = HostMemory.read(mask.getStorage())) {
            int width = Math.max(1, Compaction.widest(m.bytes(), samples, features, parallel));
            boolean[] exact = new boolean[1];
            NDArray out = HostMemory.write(manager, new Shape(samples, width), type, data -> exact[0] =
                    Compaction.compact(m.bytes(), Elements.of(in.bytes(), type), samples, features, width,
                            Elements.of(data, type), parallel));
            if (!exact[0]) {
                out.close();
                return Optional.empty();
            }
            return Optional.of(out);
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray expand(NDArray compact, PackedMask mask, int first, NDManager manager) {
        Checks.floatTensor("compacted tensor", compact);
        checkMask(mask, manager);
        Shape shape = mask.getShape();
        int samples = PackedLayout.samples(shape);
        Shape rows = compact.getShape();
        if (rows.dimension() != 2 || first < 0 || first + rows.get(0) > samples) {
            throw new IllegalArgumentException(
                    "compacted rows of shape " + rows + " from sample " + first + " do not fit a mask of shape "
                            + shape + ": allowed are [R, W] with first + R <= " + samples);
        }
        int count = (int) rows.get(0);
        int width = Math.toIntExact(rows.get(1));
        long features = PackedLayout.featuresPerSample(shape);
        Shape result = shape.dimension() == 0 ? shape : new Shape(count).addAll(shape.slice(1));
        DataType type = compact.getDataType();
        try (HostMemory in = HostMemory.read(compact);
                HostMemory m = HostMemory.read(mask.getStorage())) {
            return HostMemory.write(manager, result, type, out -> Compaction.expand(
                    m.bytes(), first, Elements.of(in.bytes(), type), count, features, width, Elements.of(out, type),
                    parallel));
        }
    }

    /** {@inheritDoc} */
    @Override
    public GroupStats boundingStats(NDArray x, PackedMask mask, GroupStats rowStats, int groupSize) {
        checkMask(mask, x.getManager());
        ActNNConfig.checkGroupSize(groupSize);
        Shape shape = x.getShape();
        int samples = PackedLayout.samples(shape);
        if (!shape.equals(mask.getShape()) || rowStats.getShape().dimension() != 2
                || rowStats.getShape().get(0) != samples) {
            throw new IllegalArgumentException(
                    "statistics of rows " + rowStats.getShape() + " do not belong to a tensor of shape " + shape
                            + " and its mask of shape " + mask.getShape());
        }
        CpuGroupStats rows = ownStats(rowStats, rowStats.getShape(), rowStats.getGroupSize());
        Geometry geometry = new Geometry(shape, groupSize);
        float[] maxs = new float[geometry.groups];
        try (HostMemory m = HostMemory.read(mask.getStorage())) {
            Compaction.boundingRanges(m.bytes(), PackedLayout.featuresPerSample(shape), geometry, rows.mins(),
                    rows.maxs(), rows.geometry(), maxs, parallel);
        }
        float[] mins = new float[geometry.groups];
        for (int g = 0; g < mins.length; g++) {
            mins[g] = Float.isNaN(maxs[g]) ? Float.NaN : 0f;
        }
        return new CpuGroupStats(shape, geometry, mins, maxs, x);
    }

    private static void checkCodeBits(int bits) {
        if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits " + bits + " is not supported: allowed are 1, 2, 4, 8");
        }
    }

    private static void checkMask(PackedMask mask, NDManager manager) {
        if (mask == null || manager == null) {
            throw new IllegalArgumentException("mask and manager must not be null");
        }
        if (mask.getStorage().isReleased()) {
            throw new IllegalArgumentException("mask of shape " + mask.getShape() + " was closed");
        }
        Checks.hostTensor("mask", mask.getStorage());
    }

    private static CpuGroupStats ownStats(GroupStats stats, Shape shape, int groupSize) {
        if (!(stats instanceof CpuGroupStats)) {
            throw new IllegalArgumentException(
                    "group statistics " + stats + " were not computed by the cpu backend:"
                            + " allowed are statistics from CpuQuantizerBackend.analyze");
        }
        if (!stats.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "group statistics are of a tensor of shape " + stats.getShape()
                            + ", not of this tensor of shape " + shape);
        }
        if (stats.getGroupSize() != groupSize) {
            throw new IllegalArgumentException(
                    "group statistics were computed with group size " + stats.getGroupSize()
                            + " but the spec asks for " + groupSize + ": they must be equal");
        }
        return (CpuGroupStats) stats;
    }

    /**
     * Returns which implementation of the group arithmetic runs: {@code "vector"} (the Vector
     * API, when the JVM runs with {@code --add-modules jdk.incubator.vector}) or {@code "scalar"}.
     *
     * @return the kernel's name
     */
    public String kernel() {
        return kernel.name();
    }

    /**
     * Returns the number of threads the work is split over.
     *
     * @return the thread count
     */
    public int threads() {
        return parallel.threads();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "CpuQuantizerBackend{threads=" + parallel.threads() + ", kernel=" + kernel.name() + '}';
    }
}
