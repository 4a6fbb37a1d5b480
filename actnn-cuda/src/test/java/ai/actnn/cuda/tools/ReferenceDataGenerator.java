package ai.actnn.cuda.tools;

import ai.actnn.cuda.ReferenceMasks;
import ai.actnn.internal.PoolOps;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaskedOutput;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes reference data for the standalone GPU check ({@code actnn-cuda/gpu-check.sh}) and the
 * emulated-kernel test: inputs with the bytes that the CPU path of the engine produces for them,
 * which the CUDA kernels must reproduce: packed tensors, dequantized tensors and range squares of
 * the Java CPU backend ({@link CpuQuantizerBackend}); ReLU output and mask, dropout output and
 * keep mask as its fused layer ops compute them (whose keep mask is checked here against the
 * format's generator, written independently), and the mask backward; generic masks written from
 * {@code docs/format.md}; max pooling computed here in plain Java and checked against DJL's own
 * {@code Pool.maxPool2d} and, byte for byte, against the store's CPU path ({@code PoolOps},
 * PyTorch's kernels) for output, offsets and backward.
 *
 * <p>Usage: {@code ReferenceDataGenerator [directory]} (default {@code target/reference-data}), e.g.
 * {@code mvn -o -q -pl actnn-cuda -am test -Dtest=EmulatedKernelsTest} writes it as a side effect,
 * or run this class with the test classpath. The GPU machine needs only the directory. A copy is
 * committed in {@code src/test/resources/reference-data} (used by {@code gpu-check.sh} when no fresh
 * one exists); {@code EmulatedKernelsTest} fails when it no longer matches a fresh one.
 *
 * <p>File format ({@code *.actnnref}, read by {@code src/test/cuda/check_suite.h}): the 8 ASCII
 * bytes {@code ACTNREF1}, then entries until the end of the file, each {@code u16 name length,
 * name (ASCII), u64 byte length, bytes}, little-endian. Entries: {@code name}, {@code op}
 * (quantize, relu, dropout, nonzero, maxpool2d), {@code dtype} (DJL's name, e.g. float32),
 * {@code shape} (int64 list), and per op the parameters, {@code input} and the expected results.
 */
public final class ReferenceDataGenerator {

    private static final Logger logger = LoggerFactory.getLogger(ReferenceDataGenerator.class);

    private final CpuQuantizerBackend cpu = new CpuQuantizerBackend();
    private final Path dir;
    private final Random random = new Random(20240611L);
    private int files;

    private ReferenceDataGenerator(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes the reference files.
     *
     * @param args optional output directory
     * @throws IOException if a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/reference-data");
        int n = generate(dir);
        logger.info("wrote {} reference files to {}", n, dir.toAbsolutePath());
    }

    /**
     * Writes the reference files into a directory (created if needed; old {@code *.actnnref}
     * files are replaced).
     *
     * @param dir the directory
     * @return the number of files written
     * @throws IOException if a file cannot be written
     * @throws UnsupportedOperationException if the CPU backend of this build cannot quantize
     */
    public static int generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var old = Files.newDirectoryStream(dir, "*.actnnref")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }
        ReferenceDataGenerator g = new ReferenceDataGenerator(dir);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            g.quantizeCases(m);
            g.maskCases(m);
            g.nonZeroCases(m);
            g.poolCases(m);
            // after every older case, so that their random draws and bytes stay as they were
            g.widthCases(m);
        }
        return g.files;
    }

    // ---- quantization ----------------------------------------------------------------------------

    private void quantizeCases(NDManager m) throws IOException {
        long[][] shapes = {{}, {7}, {3, 5}, {2, 256}, {4, 300}, {5, 33}, {2, 3, 4, 5}, {6, 64}, {2, 96}, {2, 1500},
            {1, 2100}, {3, 0}};
        int[] groups = {256, 256, 256, 256, 256, 32, 96, 32, 96, 1024, 2048, 256};
        String[] patterns = {"normal", "specials", "constant", "huge", "relu", "signed-zeros", "tiny", "positive"};
        int c = 0;
        for (int s = 0; s < shapes.length; s++) {
            Shape shape = new Shape(shapes[s]);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                for (int v = 0; v < 5; v++) {
                    String pattern = patterns[(s + v) % patterns.length];
                    int n = (int) (shape.dimension() == 0 ? 1 : shape.get(0));
                    int[] bits = new int[n];
                    for (int i = 0; i < n; i++) {
                        bits[i] = v < 4 ? 1 << v : 1 << random.nextInt(4);
                    }
                    boolean stochastic = c % 3 != 2;
                    long key = random.nextLong();
                    QuantizeSpec spec = v < 4 ? QuantizeSpec.uniform(bits.length == 0 ? 1 << v : bits[0], groups[s], key,
                            stochastic) : QuantizeSpec.perSample(bits, groups[s], key, stochastic);
                    try (NDManager sub = m.newSubManager()) {
                        NDArray x = tensor(sub, shape, type, pattern);
                        quantizeCase(sub, String.format("q%03d", c), x, spec);
                    }
                    c++;
                }
            }
        }
    }

    private void quantizeCase(NDManager m, String name, NDArray x, QuantizeSpec spec) throws IOException {
        Entries e = new Entries(name, "quantize", x);
        PackedTensor p = cpu.quantize(x, spec, m);
        e.i64("groupSize", spec.getGroupSize());
        e.bytes("bits", p.getBits());
        e.i64("key", spec.getKey());
        e.bytes("stochastic", new byte[] {(byte) (spec.isStochastic() ? 1 : 0)});
        e.bytes("input", x.toByteArray());
        e.bytes("packed", p.getStorage().toByteArray());
        e.string("metadataType", p.getMetadataType().name());
        e.bytes("dequantized", cpu.dequantize(p, m).toByteArray());
        try (GroupStats stats = cpu.analyze(x, spec.getGroupSize())) {
            e.f32s("rangeSquares", stats.sampleRangeSquares());
        }
        write(e);
    }

    /**
     * Widths added after the first reference data: uniform 3, 5, 6 and 7 bits and per-sample mixes
     * of all eight widths, on shapes whose groups are partial, span samples' ends and need FP16 or
     * FP32 records ({@code qw*} files).
     */
    private void widthCases(NDManager m) throws IOException {
        long[][] shapes = {{3, 5}, {4, 300}, {5, 33}, {2, 3, 4, 5}, {6, 64}, {2, 1500}, {8, 96}};
        int[] groups = {256, 256, 32, 96, 32, 1024, 32};
        String[] patterns = {"normal", "specials", "constant", "huge", "relu", "signed-zeros", "tiny", "positive"};
        int[] uniform = {3, 5, 6, 7};
        int c = 0;
        for (int s = 0; s < shapes.length; s++) {
            Shape shape = new Shape(shapes[s]);
            int n = (int) shape.get(0);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                for (int v = 0; v < 5; v++) {
                    String pattern = patterns[(s + v) % patterns.length];
                    boolean stochastic = c % 3 != 2;
                    long key = random.nextLong();
                    QuantizeSpec spec;
                    if (v < 4) {
                        spec = QuantizeSpec.uniform(uniform[v], groups[s], key, stochastic);
                    } else {
                        int[] bits = new int[n];
                        for (int i = 0; i < n; i++) {
                            bits[i] = 1 + random.nextInt(8);
                        }
                        spec = QuantizeSpec.perSample(bits, groups[s], key, stochastic);
                    }
                    try (NDManager sub = m.newSubManager()) {
                        NDArray x = tensor(sub, shape, type, pattern);
                        quantizeCase(sub, String.format("qw%03d", c), x, spec);
                    }
                    c++;
                }
            }
        }
    }

    // ---- masks ----------------------------------------------------------------------------------

    private void maskCases(NDManager m) throws IOException {
        long[] sizes = {1, 7, 31, 32, 33, 511, 513, 1000};
        int c = 0;
        for (long size : sizes) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                try (NDManager sub = m.newSubManager()) {
                    Shape shape = size % 2 == 1 ? new Shape(size) : new Shape(2, size / 2);
                    NDArray x = tensor(sub, shape, type, c % 2 == 0 ? "normal" : "specials");
                    NDArray dy = tensor(sub, shape, type, "normal");
                    // ReLU as the store runs it on the CPU: output and mask x > 0; backward grad * mask
                    MaskedOutput relu = cpu.relu(x, sub);
                    Entries r = new Entries(String.format("relu%03d", c), "relu", x);
                    r.bytes("input", x.toByteArray());
                    r.bytes("mask", relu.mask().getStorage().toByteArray());
                    r.bytes("output", relu.output().toByteArray());
                    r.bytes("gradIn", dy.toByteArray());
                    r.bytes("gradOut", cpu.applyMask(dy, relu.mask(), 1f, sub).toByteArray());
                    write(r);
                    // dropout as the store runs it on the CPU; its mask must be "keep iff r(i) >= rate"
                    float rate = new float[] {0f, 0.1f, 0.5f, 1f}[c % 4];
                    long key = random.nextLong();
                    float scale = MaskCodec.dropoutScale(rate);
                    MaskedOutput dropout = cpu.dropout(x, rate, key, sub);
                    byte[] keepBytes = dropout.mask().getStorage().toByteArray();
                    boolean[] keep = new boolean[(int) size];
                    for (int i = 0; i < size; i++) {
                        keep[i] = randomAt(key, i) >= rate;
                    }
                    byte[] expected = ReferenceMasks.packNonZero(sub.create(keep, shape), sub).getStorage().toByteArray();
                    if (!Arrays.equals(expected, keepBytes)) {
                        throw new IllegalStateException("the CPU backend's dropout mask differs from r(i) >= rate");
                    }
                    Entries d = new Entries(String.format("dropout%03d", c), "dropout", x);
                    d.i64("key", key);
                    d.f32s("rate", new float[] {rate});
                    d.f32s("scale", new float[] {scale});
                    d.bytes("input", x.toByteArray());
                    d.bytes("mask", keepBytes);
                    d.bytes("output", dropout.output().toByteArray());
                    d.bytes("gradIn", dy.toByteArray());
                    d.bytes("gradOut", cpu.applyMask(dy, dropout.mask(), scale, sub).toByteArray());
                    write(d);
                }
                c++;
            }
        }
    }

    private void nonZeroCases(NDManager m) throws IOException {
        int c = 0;
        for (int size : new int[] {1, 13, 100, 517}) {
            try (NDManager sub = m.newSubManager()) {
                float[] f = new float[size];
                double[] d = new double[size];
                int[] i32 = new int[size];
                long[] i64 = new long[size];
                boolean[] b = new boolean[size];
                byte[] i8 = new byte[size];
                for (int i = 0; i < size; i++) {
                    int r = random.nextInt(6);
                    f[i] = r == 0 ? 0f : r == 1 ? -0f : r == 2 ? Float.NaN : (float) random.nextGaussian();
                    d[i] = f[i];
                    i32[i] = r < 3 ? 0 : random.nextInt();
                    i64[i] = r < 3 ? 0 : random.nextLong();
                    b[i] = r >= 3;
                    i8[i] = (byte) (r < 3 ? 0 : random.nextInt(256) | 1);
                }
                List<NDArray> arrays = List.of(sub.create(f), sub.create(f).toType(DataType.FLOAT16, false),
                        sub.create(d), sub.create(i32), sub.create(i64), sub.create(b), sub.create(i8),
                        sub.create(i8).toType(DataType.UINT8, false));
                for (NDArray a : arrays) {
                    Entries e = new Entries(String.format("nonzero%03d", c++), "nonzero", a);
                    e.bytes("input", a.toByteArray());
                    e.bytes("mask", ReferenceMasks.packNonZero(a, sub).getStorage().toByteArray());
                    write(e);
                }
            }
        }
    }

    // ---- max pooling ----------------------------------------------------------------------------

    private void poolCases(NDManager m) throws IOException {
        int[][] cases = { // N, C, H, W, kH, kW, sH, sW, pH, pW, ceil
            {2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 0}, {2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1}, {1, 4, 8, 8, 2, 2, 2, 2, 0, 0, 0},
            {1, 3, 5, 5, 3, 3, 1, 1, 1, 1, 0}, {2, 1, 6, 11, 2, 3, 1, 2, 1, 1, 1}, {1, 1, 16, 16, 15, 15, 4, 4, 7, 7, 1},
            {3, 2, 9, 4, 4, 2, 3, 3, 2, 1, 1},
        };
        int c = 0;
        for (int[] k : cases) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                try (NDManager sub = m.newSubManager()) {
                    Shape shape = new Shape(k[0], k[1], k[2], k[3]);
                    NDArray x = tensor(sub, shape, type, c % 3 == 0 ? "ties" : c % 3 == 1 ? "specials" : "normal");
                    poolCase(sub, String.format("maxpool%03d", c), x, k);
                }
                c++;
            }
        }
    }

    private void poolCase(NDManager m, String name, NDArray x, int[] k) throws IOException {
        int planes = k[0] * k[1];
        int h = k[2];
        int w = k[3];
        int kh = k[4];
        int kw = k[5];
        int sh = k[6];
        int sw = k[7];
        int ph = k[8];
        int pw = k[9];
        boolean ceil = k[10] != 0;
        int oh = (int) MaxPool2dSpec.outputSize(h, kh, sh, ph, ceil);
        int ow = (int) MaxPool2dSpec.outputSize(w, kw, sw, pw, ceil);
        float[] xf = x.toType(DataType.FLOAT32, true).toFloatArray();
        byte[] xb = x.toByteArray();
        int es = x.getDataType().getNumOfBytes();
        byte[] yb = new byte[planes * oh * ow * es];
        byte[] offsets = new byte[planes * oh * ow];
        int[] argmax = new int[planes * oh * ow];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int hs = i * sh - ph;
                    int ws = j * sw - pw;
                    int h0 = Math.max(hs, 0);
                    int w0 = Math.max(ws, 0);
                    int h1 = Math.min(hs + kh, h);
                    int w1 = Math.min(ws + kw, w);
                    int best = (p * h + h0) * w + w0;
                    float bestV = Float.NEGATIVE_INFINITY;
                    for (int a = h0; a < h1; a++) {
                        for (int b = w0; b < w1; b++) {
                            int idx = (p * h + a) * w + b;
                            float v = xf[idx];
                            if (v > bestV || Float.isNaN(v)) {  // PyTorch: greater, or NaN
                                bestV = v;
                                best = idx;
                            }
                        }
                    }
                    int o = (p * oh + i) * ow + j;
                    argmax[o] = best;
                    int bh = (best % (h * w)) / w;
                    int bw = best % w;
                    offsets[o] = (byte) ((bh - hs) * kw + (bw - ws));
                    System.arraycopy(xb, best * es, yb, o * es, es);
                }
            }
        }
        // cross-check the forward with DJL's own max pooling (PyTorch)
        // (on the exactly widened fp32 input: the maxima are the same elements)
        NDArray djl = Pool.maxPool2d(x.toType(DataType.FLOAT32, true), new Shape(kh, kw), new Shape(sh, sw),
                new Shape(ph, pw), ceil);
        float[] djlF = djl.toFloatArray();
        ByteBuffer ybuf = ByteBuffer.allocateDirect(yb.length).order(ByteOrder.nativeOrder());
        ybuf.put(yb).rewind();
        NDArray mine = m.create(ybuf, djl.getShape(), x.getDataType());
        float[] mineF = mine.toType(DataType.FLOAT32, true).toFloatArray();
        for (int i = 0; i < djlF.length; i++) {
            if (!(djlF[i] == mineF[i] || (Float.isNaN(djlF[i]) && Float.isNaN(mineF[i])))) {
                throw new IllegalStateException(name + ": max-pool reference differs from DJL at " + i + ": "
                        + mineF[i] + " vs " + djlF[i]);
            }
        }
        NDArray dy = tensor(m, djl.getShape(), x.getDataType(), "normal");
        float[] dyf = dy.toType(DataType.FLOAT32, true).toFloatArray();
        float[] dx = new float[planes * h * w];
        for (int o = 0; o < argmax.length; o++) {  // output order: PyTorch's CPU accumulation order
            dx[argmax[o]] += dyf[o];
        }
        NDArray dxArray = m.create(dx, x.getShape()).toType(x.getDataType(), false);
        // the CPU path (the store's fallback to PyTorch's own ops) must give these very bytes
        Shape kernel = new Shape(kh, kw);
        Shape stride = new Shape(sh, sw);
        Shape padding = new Shape(ph, pw);
        NDList cpuPath = PoolOps.maxPool2dWithOffsets(x, kernel, stride, padding, ceil, m);
        NDArray cpuDx = PoolOps.maxPool2dBackward(dy, cpuPath.get(1), h, w, kernel, stride, padding, m);
        if (!Arrays.equals(yb, cpuPath.get(0).toByteArray()) || !Arrays.equals(offsets, cpuPath.get(1).toByteArray())
                || !Arrays.equals(dxArray.toByteArray(), cpuDx.toByteArray())) {
            throw new IllegalStateException(name + ": max-pool reference differs from the CPU path (PoolOps)");
        }
        Entries e = new Entries(name, "maxpool2d", x);
        e.i64s("pool", new long[] {kh, kw, sh, sw, ph, pw, ceil ? 1 : 0});
        e.bytes("input", xb);
        e.bytes("output", yb);
        e.bytes("offsets", offsets);
        e.bytes("gradIn", dy.toByteArray());
        e.bytes("gradOut", dxArray.toByteArray());
        write(e);
    }

    // ---- data -----------------------------------------------------------------------------------

    private NDArray tensor(NDManager m, Shape shape, DataType type, String pattern) {
        int n = (int) shape.size();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float g = (float) random.nextGaussian();
            switch (pattern) {
                case "specials":
                    int r = random.nextInt(64);
                    v[i] = r == 0 ? Float.NaN : r == 1 ? Float.POSITIVE_INFINITY : r == 2 ? Float.NEGATIVE_INFINITY
                            : r == 3 ? -0f : r == 4 ? 0f : r == 5 ? 1e-42f : r == 6 ? 65504f : g;
                    break;
                case "constant":
                    v[i] = (i / 100) % 3 == 0 ? 0.1f : (i / 100) % 3 == 1 ? 2f : -0f;
                    break;
                case "huge":
                    v[i] = g * 1e30f;
                    break;
                case "relu":
                    v[i] = Math.max(g, 0f);
                    break;
                case "signed-zeros":
                    int z = random.nextInt(3);
                    v[i] = z == 0 ? -0f : z == 1 ? 0f : Math.abs(g);
                    break;
                case "tiny":
                    v[i] = 1000f + g * 1e-6f;
                    break;
                case "positive":
                    v[i] = random.nextFloat() * 6f;
                    break;
                case "ties":
                    v[i] = random.nextInt(4) - 1f;
                    break;
                default:
                    v[i] = g;
            }
        }
        NDArray x = shape.dimension() == 0 ? m.create(v[0]) : m.create(v, shape);
        return type == DataType.FLOAT32 ? x : x.toType(type, false);
    }

    /**
     * The format's counter-based random number {@code r(i)} (docs/format.md), written here
     * independently of the kernels.
     *
     * @param key the key
     * @param i the element index
     * @return r(i) in [0, 1)
     */
    static float randomAt(long key, long i) {
        long z = key + (i >>> 32) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        int x = (int) z + (int) i * 0x9E3779B9;
        x = (x ^ (x >>> 16)) * 0x7FEB352D;
        x = (x ^ (x >>> 15)) * 0x846CA68B;
        x = x ^ (x >>> 16);
        return (x >>> 8) * 0x1p-24f;
    }

    // ---- file writing ---------------------------------------------------------------------------

    /** The entries of one file. */
    private static final class Entries {
        final String name;
        final List<String> names = new ArrayList<>();
        final List<byte[]> values = new ArrayList<>();

        Entries(String name, String op, NDArray x) {
            this.name = name;
            string("version", "1");
            string("name", name);
            string("op", op);
            string("dtype", x.getDataType().toString());
            i64s("shape", x.getShape().getShape());
        }

        void bytes(String key, byte[] v) {
            names.add(key);
            values.add(v);
        }

        void string(String key, String v) {
            bytes(key, v.getBytes(StandardCharsets.US_ASCII));
        }

        void i64(String key, long v) {
            i64s(key, new long[] {v});
        }

        void i64s(String key, long[] v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long x : v) {
                b.putLong(x);
            }
            bytes(key, b.array());
        }

        void f32s(String key, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putFloat(x);
            }
            bytes(key, b.array());
        }
    }

    private void write(Entries e) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("ACTNREF1".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < e.names.size(); i++) {
            byte[] n = e.names.get(i).getBytes(StandardCharsets.US_ASCII);
            writeLe(out, n.length, 2);
            out.write(n);
            writeLe(out, e.values.get(i).length, 8);
            out.write(e.values.get(i));
        }
        Files.write(dir.resolve(e.name + ".actnnref"), out.toByteArray());
        files++;
    }

    private static void writeLe(OutputStream out, long v, int bytes) throws IOException {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }
}
