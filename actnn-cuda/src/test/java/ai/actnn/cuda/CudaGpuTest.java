package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.actnn.internal.PoolOps;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskedOutput;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.MaxPoolOutput;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * The CUDA backend and its fused layer kernels on a real GPU against the CPU backend and the CPU
 * path of the store (PyTorch's own pooling ops).
 * Needs DJL's CUDA natives and a GPU: run with {@code -Dactnn.test.excludedGroups=
 * -Dactnn.test.groups=gpu} (see docs/gpu.md). Byte equality for packed tensors and masks; value
 * equality (any NaN equals any NaN) for float results.
 */
@Tag("gpu")
class CudaGpuTest {

    private static NDManager manager;
    private static final Device GPU = Device.gpu(0);
    private final CpuQuantizerBackend cpu = new CpuQuantizerBackend();
    private final CudaQuantizerBackend cuda = new CudaQuantizerBackend();
    private final Random random = new Random(7);

    @BeforeAll
    static void setUp() {
        assumeTrue(Engine.getEngine("PyTorch").getGpuCount() > 0, "no GPU visible to DJL's PyTorch engine");
        assumeTrue(CudaSupport.isAvailable(GPU), CudaSupport.describe(GPU));
        manager = NDManager.newBaseManager(GPU, "PyTorch");
    }

    @AfterAll
    static void tearDown() {
        if (manager != null) {
            manager.close();
        }
    }

    private NDArray hostTensor(NDManager m, Shape shape, DataType type, boolean specials) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
            if (specials && random.nextInt(200) == 0) {
                v[i] = new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, 0f, 1e30f}[random.nextInt(5)];
            }
        }
        NDArray x = m.create(v, shape).toDevice(Device.cpu(), false);
        return type == DataType.FLOAT32 ? x : x.toType(type, false);
    }

    private static void assertSameValues(NDArray expected, NDArray actual, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        float[] e = expected.toType(DataType.FLOAT32, true).toFloatArray();
        float[] a = actual.toType(DataType.FLOAT32, true).toFloatArray();
        for (int i = 0; i < e.length; i++) {
            boolean same = Float.floatToIntBits(e[i]) == Float.floatToIntBits(a[i])
                    || (Float.isNaN(e[i]) && Float.isNaN(a[i]));
            assertTrue(same, what + ": element " + i + " expected " + e[i] + " got " + a[i]);
        }
    }

    @Test
    void quantizeMatchesTheCpuBackendByteForByte() {
        long[][] shapes = {{4, 300}, {70_000, 3}, {8, 64, 7, 7}, {5, 33}, {1}, {2, 2100}};
        int[] groups = {256, 32, 256, 32, 256, 2048};
        for (int s = 0; s < shapes.length; s++) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                for (int bits : new int[] {1, 2, 4, 8}) {
                    try (NDManager m = manager.newSubManager()) {
                        Shape shape = new Shape(shapes[s]);
                        NDArray host = hostTensor(m, shape, type, bits == 2);
                        NDArray dev = host.toDevice(GPU, true);
                        QuantizeSpec spec = QuantizeSpec.uniform(bits, groups[s], random.nextLong(), bits != 8);
                        String what = shape + " " + type + " bits " + bits;
                        PackedTensor want = cpu.quantize(host, spec, m);
                        PackedTensor got = cuda.quantize(dev, spec, m);
                        assertEquals(GPU, got.getDevice(), what);
                        assertEquals(want.getMetadataType(), got.getMetadataType(), what);
                        assertArrayEquals(want.getStorage().toByteArray(), got.getStorage().toByteArray(), what);
                        try (GroupStats stats = cuda.analyze(dev, groups[s]);
                                GroupStats hostStats = cpu.analyze(host, groups[s])) {
                            PackedTensor twoPass = cuda.quantize(dev, stats, spec, m);
                            assertArrayEquals(want.getStorage().toByteArray(), twoPass.getStorage().toByteArray(),
                                    what + " (two-pass)");
                            float[] a = stats.sampleRangeSquares();
                            float[] b = hostStats.sampleRangeSquares();
                            for (int i = 0; i < a.length; i++) {
                                assertTrue(a[i] == b[i] || Math.abs(a[i] - b[i]) <= 1e-6f * Math.abs(b[i]),
                                        what + " range squares " + i);
                            }
                        }
                        assertSameValues(cpu.dequantize(want, m), cuda.dequantize(got, m), what + " dequantized");
                    }
                }
            }
        }
    }

    @Test
    void perSampleBitsAndNonContiguousInputs() {
        try (NDManager m = manager.newSubManager()) {
            NDArray host = hostTensor(m, new Shape(300, 6), DataType.FLOAT32, false);
            NDArray devT = host.toDevice(GPU, true).transpose();  // [6, 300], not contiguous
            NDArray hostT = host.transpose().duplicate();
            QuantizeSpec spec = QuantizeSpec.perSample(new int[] {1, 2, 4, 8, 2, 1}, 64, 99L, true);
            assertArrayEquals(cpu.quantize(hostT, spec, m).getStorage().toByteArray(),
                    cuda.quantize(devT, spec, m).getStorage().toByteArray());
        }
    }

    @Test
    void kernelsAreOrderedAfterPendingPyTorchWork() {
        try (NDManager m = manager.newSubManager()) {
            NDArray host = hostTensor(m, new Shape(64, 4096), DataType.FLOAT32, false);
            QuantizeSpec spec = QuantizeSpec.uniform(2, 256, 5L, true);
            for (int k = 0; k < 5; k++) {
                // queued on PyTorch's stream just before the kernels read it, with no synchronisation
                NDArray dev = host.toDevice(GPU, true).mul(3f).add(1f);
                NDArray expected = host.mul(3f).add(1f);
                assertArrayEquals(cpu.quantize(expected, spec, m).getStorage().toByteArray(),
                        cuda.quantize(dev, spec, m).getStorage().toByteArray());
            }
        }
    }

    @Test
    void masksMatchTheCpuBackend() {
        for (long n : new long[] {1, 33, 513, 1_000_003}) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray host = hostTensor(m, new Shape(n), type, true);
                    NDArray dev = host.toDevice(GPU, true);
                    PackedMask want = cpu.packPositive(host, m);
                    PackedMask got = cuda.packPositive(dev, m);
                    assertArrayEquals(want.getStorage().toByteArray(), got.getStorage().toByteArray(), "packPositive");
                    PackedMask nz = cuda.packNonZero(dev, m);
                    assertArrayEquals(ReferenceMasks.packNonZero(host, m).getStorage().toByteArray(),
                            nz.getStorage().toByteArray(), "packNonZero");
                    NDArray g = hostTensor(m, new Shape(n), type, true);
                    for (float scale : new float[] {1f, 1f / 0.9f}) {
                        assertSameValues(cpu.applyMask(g, want, scale, m),
                                cuda.applyMask(g.toDevice(GPU, true), got, scale, m), "applyMask " + scale);
                    }
                    try (MaskedOutput wantRelu = cpu.relu(host, m);
                            MaskedOutput relu = cuda.relu(dev, m)) {
                        assertArrayEquals(want.getStorage().toByteArray(), relu.mask().getStorage().toByteArray());
                        assertSameValues(wantRelu.output(), relu.output(), "relu y");
                        NDArray inPlace = dev.duplicate();
                        try (PackedMask mask = cuda.reluInPlace(inPlace, m)) {
                            assertArrayEquals(want.getStorage().toByteArray(), mask.getStorage().toByteArray());
                            assertSameValues(wantRelu.output(), inPlace, "relu in place");
                        }
                    }
                    for (float rate : new float[] {0f, 0.1f, 0.5f, 1f}) {
                        long key = random.nextLong();
                        try (MaskedOutput wantDrop = cpu.dropout(host, rate, key, m);
                                MaskedOutput d = cuda.dropout(dev, rate, key, m);
                                PackedMask keep = cuda.randomKeepMask(new Shape(n), rate, key, m)) {
                            byte[] wantMask = wantDrop.mask().getStorage().toByteArray();
                            assertArrayEquals(wantMask, d.mask().getStorage().toByteArray(), "dropout mask " + rate);
                            assertArrayEquals(wantMask, keep.getStorage().toByteArray(), "keep mask " + rate);
                            assertSameValues(wantDrop.output(), d.output(), "dropout y " + rate);
                        }
                    }
                }
            }
        }
    }

    @Test
    void maxPoolMatchesTheCpuPath() {
        MaxPool2dSpec[] specs = {MaxPool2dSpec.of(3, 2, 1, false), MaxPool2dSpec.of(2, 2, 0, true),
            new MaxPool2dSpec(3, 2, 1, 2, 1, 1, true), MaxPool2dSpec.of(3, 1, 1, false)};
        for (MaxPool2dSpec spec : specs) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray host = hostTensor(m, new Shape(4, 8, 15, 17), type, true);
                    Shape k = new Shape(spec.kernelH(), spec.kernelW());
                    Shape st = new Shape(spec.strideH(), spec.strideW());
                    Shape p = new Shape(spec.padH(), spec.padW());
                    // the CPU path: the store's PyTorch fallback
                    NDList want = PoolOps.maxPool2dWithOffsets(host, k, st, p, spec.ceilMode(), m);
                    NDArray dy = hostTensor(m, want.get(0).getShape(), type, false);
                    NDArray wantDx = PoolOps.maxPool2dBackward(dy, want.get(1), 15, 17, k, st, p, m);
                    try (MaxPoolOutput out = cuda.maxPool2d(host.toDevice(GPU, true), spec, m)) {
                        String what = spec + " " + type;
                        assertSameValues(want.get(0), out.output(), what + " y");
                        assertArrayEquals(want.get(1).toByteArray(), out.offsets().toByteArray(), what + " offsets");
                        NDArray dx = cuda.maxPool2dBackward(dy.toDevice(GPU, true), out.offsets(), host.getShape(),
                                spec, m);
                        assertSameValues(wantDx, dx, what + " dx");
                    }
                }
            }
        }
    }
}
