package ai.actnn.quant.cpu;

import static ai.actnn.quant.cpu.QuantTestSupport.bytes;
import static ai.actnn.quant.cpu.QuantTestSupport.gaussian;
import static ai.actnn.quant.cpu.QuantTestSupport.reference;
import static ai.actnn.quant.cpu.QuantTestSupport.tolerance;
import static ai.actnn.quant.cpu.QuantTestSupport.variants;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.quant.FormatReference;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MetadataType;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

/** Behaviour of the CPU backend against docs/format.md. */
class CpuQuantizerBackendTest extends HostManagerTest {

    private final CpuQuantizerBackend backend = new CpuQuantizerBackend();

    // ---------------------------------------------------------------- exact bytes

    @Test
    void handComputedGoldenBytes() {
        // 32 values 0..31, 2 bits, nearest, G = 32. Record: lo = 0, step = roundUp16(31 / 3) =
        // 10.3359375 = 0x492B. Codes round(j / step): 0 for j <= 5, 1 for 6..15, 2 for 16..25,
        // 3 for 26..31; four codes per byte, least significant bits first.
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j;
        }
        byte[] expected = {
            0x00, 0x50, 0x55, 0x55, (byte) 0xAA, (byte) 0xAA, (byte) 0xFA, (byte) 0xFF, // payload
            0x00, 0x00, 0x2B, 0x49 // lo = +0, step = 0x492B, little-endian
        };
        NDArray t = manager.create(x, new Shape(1, 32));
        for (CpuQuantizerBackend b : variants()) {
            try (PackedTensor p = b.quantize(t, QuantizeSpec.uniform(2, 32, 0, false), manager)) {
                assertArrayEquals(expected, bytes(p), b.toString());
                assertEquals(MetadataType.FP16, p.getMetadataType());
                try (NDArray y = b.dequantize(p, manager)) {
                    float step = 10.3359375f;
                    float[] v = y.toFloatArray();
                    assertEquals(0f, v[5]);
                    assertEquals(step, v[6]);
                    assertEquals(2 * step, v[16]);
                    assertEquals(3 * step, v[31]);
                }
            }
        }
    }

    @Test
    void handComputedGoldenBytesAtThreeBits() {
        // 32 values 0..31, 3 bits, nearest, G = 32. Record: lo = 0, step = roundUp16(31 / 7) =
        // 4.4296875 = 0x446E. Codes round(j / step): 0 0 0 1 1 1 1 2 2 2 2 2 3 3 3 3 4 4 4 4 5 5 5
        // 5 5 6 6 6 6 7 7 7. Code j occupies bits 3j..3j+2 of the 96-bit string, least significant
        // first, so codes 2, 5, 10, ... straddle two bytes: e.g. code 2 (0) is bits 6-7 of byte 0
        // and bit 0 of byte 1, code 5 (1) is bit 7 of byte 1 and bits 0-1 of byte 2.
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j;
        }
        byte[] expected = {
            0x00, (byte) 0x92, 0x44, (byte) 0x92, (byte) 0xB4, 0x6D, 0x24, (byte) 0xD9, (byte) 0xB6, (byte) 0xB5,
            (byte) 0xED, (byte) 0xFF, // payload: 12 bytes = 32 codes * 3 bits
            0x00, 0x00, 0x6E, 0x44 // lo = +0, step = 0x446E, little-endian
        };
        NDArray t = manager.create(x, new Shape(1, 32));
        for (CpuQuantizerBackend b : variants()) {
            try (PackedTensor p = b.quantize(t, QuantizeSpec.uniform(3, 32, 0, false), manager)) {
                assertArrayEquals(expected, bytes(p), b.toString());
                try (NDArray y = b.dequantize(p, manager)) {
                    float step = 4.4296875f;
                    float[] v = y.toFloatArray();
                    assertEquals(0f, v[2]);
                    assertEquals(step, v[3]);
                    assertEquals(5 * step, v[24]);
                    assertEquals(6 * step, v[25]);
                    assertEquals(7 * step, v[31]);
                }
            }
        }
    }

    @Test
    void bytesEqualTheIndependentReference() {
        // shape, group size, bits per sample, scale (1e5 needs FP32 records), poisoned elements
        Object[][] cases = {
            {new Shape(3, 40), 32, new int[] {1, 2, 8}, 1f, new int[0]},
            {new Shape(2, 300), 256, new int[] {4, 2}, 1f, new int[0]},
            {new Shape(4, 3, 5, 7), 32, new int[] {8, 1, 4, 2}, 1f, new int[] {7, 200}},
            {new Shape(5), 32, new int[] {2, 2, 2, 2, 2}, 1f, new int[0]},
            {new Shape(), 64, new int[] {4}, 1f, new int[0]},
            {new Shape(1), 32, new int[] {8}, 1f, new int[0]},
            {new Shape(7, 1000), 96, new int[] {1, 2, 4, 8, 8, 4, 2}, 1f, new int[0]},
            {new Shape(3, 70), 32, new int[] {2, 4, 8}, 1e5f, new int[] {100}},
            {new Shape(2, 64), 32, new int[] {2, 2}, 1e-3f, new int[0]},
            // every width, including those whose codes straddle bytes (3, 5, 6, 7)
            {new Shape(8, 100), 32, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 1f, new int[] {250}},
            {new Shape(4, 3, 5, 7), 96, new int[] {3, 5, 6, 7}, 1f, new int[0]},
            {new Shape(2, 300), 256, new int[] {7, 3}, 1f, new int[0]},
            {new Shape(3, 70), 32, new int[] {5, 6, 7}, 1e5f, new int[] {100}},
            {new Shape(4), 32, new int[] {3, 5, 6, 7}, 1f, new int[0]},
        };
        long key = 0x5EED_0001L;
        java.util.Set<Boolean> metadataSeen = new java.util.HashSet<>();
        for (Object[] c : cases) {
            Shape shape = (Shape) c[0];
            int g = (Integer) c[1];
            int[] bits = (int[]) c[2];
            float[] x = gaussian((int) shape.size(), key);
            for (int i = 0; i < x.length; i++) {
                x[i] *= (Float) c[3];
            }
            int[] poisoned = (int[]) c[4];
            for (int k = 0; k < poisoned.length; k++) {
                x[poisoned[k]] = k % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
            }
            NDArray t = manager.create(x, shape);
            for (boolean stochastic : new boolean[] {true, false}) {
                FormatReference.Packed expected = reference(x, shape, g, bits, key, stochastic);
                metadataSeen.add(expected.fp16);
                QuantizeSpec spec = QuantizeSpec.perSample(bits, g, key, stochastic);
                for (CpuQuantizerBackend b : variants()) {
                    String what = shape + " stochastic=" + stochastic + " " + b;
                    try (PackedTensor fused = b.quantize(t, spec, manager);
                            GroupStats stats = b.analyze(t, g);
                            PackedTensor twoPass = b.quantize(t, stats, spec, manager)) {
                        assertArrayEquals(expected.bytes, bytes(fused), what);
                        assertArrayEquals(expected.bytes, bytes(twoPass), what + " (analyze first)");
                        assertEquals(expected.fp16 ? MetadataType.FP16 : MetadataType.FP32, fused.getMetadataType());
                        try (NDArray y = b.dequantize(fused, manager)) {
                            float[] ref = FormatReference.unpack(expected.bytes, expected.fp16,
                                    fused.samples(), (int) (shape.size() / Math.max(1, fused.samples())), g, bits);
                            float[] got = y.toFloatArray();
                            for (int i = 0; i < ref.length; i++) {
                                assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(got[i]),
                                        what + " dequantized element " + i);
                            }
                            assertEquals(shape, y.getShape());
                        }
                    }
                }
            }
        }
        assertEquals(2, metadataSeen.size(), "both metadata types were compared");
    }

    @Test
    void everyWidthRoundTripsBitForBitWithTheReference() {
        // uniform widths 1..8, FP16 and FP32 records, both roundings, a partial last group
        Shape shape = new Shape(3, 200);
        for (int bits = 1; bits <= 8; bits++) {
            for (float scale : new float[] {1f, 1e5f}) {
                float[] x = gaussian(600, 31 + bits);
                for (int i = 0; i < x.length; i++) {
                    x[i] *= scale;
                }
                x[17] = scale; // a large offset against the range makes FP32 records at 1e5
                NDArray t = manager.create(x, shape);
                int[] perSample = {bits, bits, bits};
                for (boolean stochastic : new boolean[] {true, false}) {
                    String what = bits + " bits, scale " + scale + ", stochastic " + stochastic;
                    FormatReference.Packed expected = reference(x, shape, 64, perSample, bits, stochastic);
                    try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(bits, 64, bits, stochastic), manager);
                            NDArray y = backend.dequantize(p, manager)) {
                        assertArrayEquals(expected.bytes, bytes(p), what);
                        assertEquals(3L * 4 * 64 * bits / 8, p.payloadBytes(), what);
                        float[] ref = FormatReference.unpack(expected.bytes, expected.fp16, 3, 200, 64, perSample);
                        float[] got = y.toFloatArray();
                        for (int i = 0; i < ref.length; i++) {
                            assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(got[i]), what + " element " + i);
                        }
                        checkBound(x, got, p, bits, stochastic);
                    }
                }
            }
        }
    }

    @Test
    void fp16InputPacksLikeItsWideningAndDequantizesToFp16() {
        Shape shape = new Shape(3, 100);
        float[] x = gaussian(300, 5);
        try (NDArray half = manager.create(x, shape).toType(DataType.FLOAT16, false);
                NDArray wide = half.toType(DataType.FLOAT32, false)) {
            QuantizeSpec spec = QuantizeSpec.uniform(4, 64, 9, true);
            for (CpuQuantizerBackend b : variants()) {
                try (PackedTensor ph = b.quantize(half, spec, manager);
                        PackedTensor pw = b.quantize(wide, spec, manager);
                        NDArray y = b.dequantize(ph, manager);
                        NDArray y32 = y.toType(DataType.FLOAT32, false)) {
                    assertArrayEquals(bytes(pw), bytes(ph), "fp16 values are widened exactly");
                    assertEquals(DataType.FLOAT16, ph.getDataType());
                    assertEquals(DataType.FLOAT16, y.getDataType());
                    // fp16 rounding of x' adds at most half an fp16 ulp: 2^-11 relative
                    checkBound(wide.toFloatArray(), y32.toFloatArray(), pw, 4, true, 0x1p-11);
                }
            }
        }
    }

    // ---------------------------------------------------------------- error bounds and statistics

    @Test
    void roundTripErrorIsWithinTheStep() {
        Shape shape = new Shape(8, 1000);
        float[] x = gaussian(8000, 11);
        NDArray t = manager.create(x, shape);
        for (int bits = 1; bits <= 8; bits++) {
            for (boolean stochastic : new boolean[] {true, false}) {
                try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(bits, 256, bits, stochastic), manager);
                        NDArray y = backend.dequantize(p, manager)) {
                    checkBound(x, y.toFloatArray(), p, bits, stochastic);
                }
            }
        }
    }

    private static void checkBound(float[] x, float[] y, PackedTensor p, int bits, boolean stochastic) {
        checkBound(x, y, p, bits, stochastic, 0);
    }

    private static void checkBound(
            float[] x, float[] y, PackedTensor p, int bits, boolean stochastic, double outputRounding) {
        byte[] bytes = bytes(p);
        boolean fp16 = p.getMetadataType() == MetadataType.FP16;
        int g = p.getGroupSize();
        int features = x.length / p.samples();
        int perSample = (int) p.groupsPerSample();
        int levels = (1 << bits) - 1;
        for (int n = 0; n < p.samples(); n++) {
            for (int s = 0; s < perSample; s++) {
                float step = FormatReference.readRecord(bytes, fp16, p.payloadBytes(), n * perSample + s)[1];
                float mn = Float.POSITIVE_INFINITY;
                float mx = Float.NEGATIVE_INFINITY;
                for (int f = s * g; f < Math.min(features, (s + 1) * g); f++) {
                    mn = Math.min(mn, x[n * features + f]);
                    mx = Math.max(mx, x[n * features + f]);
                }
                double range = (double) mx - mn;
                double bound = fp16
                        ? (1.0625 * range + 0x1p-10 * Math.max(Math.abs(mn), Math.abs(mx))) / levels
                        : Math.nextUp((float) (range / levels));
                assertTrue(step <= bound * (1 + 1e-6), "step " + step + " above the documented " + bound);
                for (int f = s * g; f < Math.min(features, (s + 1) * g); f++) {
                    int i = n * features + f;
                    double err = Math.abs((double) y[i] - x[i]);
                    assertTrue(err <= tolerance(step, x[i], stochastic) + Math.abs(x[i]) * outputRounding * 1.01
                                    + outputRounding * step,
                            "element " + i + " error " + err + " step " + step + " bits " + bits);
                }
            }
        }
    }

    @Test
    void stochasticRoundingIsUnbiased() {
        int n = 256;
        float[] x = gaussian(n, 21);
        NDArray t = manager.create(x, new Shape(1, n));
        int draws = 400;
        double[] sum = new double[n];
        float step;
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 256, 0, true), manager)) {
            step = FormatReference.readRecord(bytes(p), true, p.payloadBytes(), 0)[1];
        }
        for (int k = 0; k < draws; k++) {
            try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 256, 1000 + k, true), manager);
                    NDArray y = backend.dequantize(p, manager)) {
                float[] v = y.toFloatArray();
                for (int i = 0; i < n; i++) {
                    sum[i] += v[i];
                }
            }
        }
        // one draw is x' in {lo + q step, lo + (q + 1) step}: standard deviation <= step / 2
        double standardError = step / 2 / Math.sqrt(draws);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(sum[i] / draws - x[i]) / standardError);
        }
        assertTrue(worst < 5, "largest deviation of the mean: " + worst + " standard errors");
    }

    @Test
    void keysDecideTheBytes() {
        NDArray t = manager.create(gaussian(4096, 1), new Shape(4, 1024));
        try (PackedTensor a = backend.quantize(t, QuantizeSpec.uniform(2, 256, 1, true), manager);
                PackedTensor b = backend.quantize(t, QuantizeSpec.uniform(2, 256, 1, true), manager);
                PackedTensor c = backend.quantize(t, QuantizeSpec.uniform(2, 256, 2, true), manager);
                PackedTensor d = backend.quantize(t, QuantizeSpec.uniform(2, 256, 1, false), manager);
                PackedTensor e = backend.quantize(t, QuantizeSpec.uniform(2, 256, 2, false), manager)) {
            assertArrayEquals(bytes(a), bytes(b));
            assertFalse(Arrays.equals(bytes(a), bytes(c)), "another key draws other numbers");
            assertArrayEquals(bytes(d), bytes(e), "nearest rounding ignores the key");
            assertEquals(1, a.getKey());
            assertTrue(a.isStochastic());
        }
    }

    @Test
    void bytesDoNotDependOnThreadsChunksOrKernel() {
        NDArray t = manager.create(gaussian(64 * 777, 8), new Shape(64, 777));
        QuantizeSpec spec = QuantizeSpec.uniform(2, 128, 77, true);
        byte[] first = null;
        for (CpuQuantizerBackend b : variants()) {
            try (PackedTensor p = b.quantize(t, spec, manager)) {
                if (first == null) {
                    first = bytes(p);
                } else {
                    assertArrayEquals(first, bytes(p), b.toString());
                }
            }
        }
    }

    // ---------------------------------------------------------------- sizes and layout

    @Test
    void sizesAreExact() {
        NDArray t = manager.create(gaussian(4 * 512, 2), new Shape(4, 512));
        long inputBytes = 4 * 512 * 4;
        for (int bits = 1; bits <= 8; bits++) {
            try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(bits, 256, 0, true), manager)) {
                assertEquals(inputBytes * bits / 32, p.payloadBytes(), bits + " bits");
                assertEquals(8 * 4, p.metadataBytes(), "FP16 records: 4 bytes for each of 8 groups");
                assertEquals(p.payloadBytes() + p.metadataBytes(), p.byteSize());
                assertEquals(bits + 0.125, p.bitsPerElement(), 1e-12);
            }
        }
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 256, 0, true), manager)) {
            assertEquals(inputBytes / 16, p.payloadBytes(), "2 bits are 16x smaller than fp32");
            assertEquals(DataType.UINT8, p.getStorage().getDataType());
            assertEquals(1, p.getStorage().getShape().dimension());
        }
    }

    @Test
    void perSampleBitsUseTheirOwnOffsetsAndBounds() {
        Shape shape = new Shape(4, 300);
        float[] x = gaussian(1200, 4);
        int[] bits = {1, 2, 4, 8};
        NDArray t = manager.create(x, shape);
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.perSample(bits, 256, 3, true), manager);
                NDArray y = backend.dequantize(p, manager)) {
            // two groups of 256 per sample: 64 bytes per bit
            long[] offsets = {0, 64, 192, 448, 960};
            for (int n = 0; n <= 4; n++) {
                assertEquals(offsets[n], p.sampleOffset(n));
            }
            assertEquals(960 + 8 * 4, p.byteSize());
            float[] v = y.toFloatArray();
            for (int n = 0; n < 4; n++) {
                float[] xs = Arrays.copyOfRange(x, n * 300, (n + 1) * 300);
                float[] ys = Arrays.copyOfRange(v, n * 300, (n + 1) * 300);
                try (NDArray one = manager.create(xs, new Shape(1, 300));
                        PackedTensor alone = backend.quantize(one, QuantizeSpec.uniform(bits[n], 256, 3, false), manager)) {
                    checkBound(xs, ys, alone, bits[n], true);
                }
            }
        }
    }

    // ---------------------------------------------------------------- edge cases

    @Test
    void constantGroupsRoundTripExactly() {
        float[] x = new float[64];
        Arrays.fill(x, 0, 32, 3f); // exactly representable in fp16
        Arrays.fill(x, 32, 64, -0.5f);
        NDArray t = manager.create(x, new Shape(2, 32));
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 32, 5, true), manager);
                NDArray y = backend.dequantize(p, manager)) {
            assertEquals(MetadataType.FP16, p.getMetadataType());
            assertArrayEquals(x, y.toFloatArray(), 0f);
        }
        // 0.1 is not an fp16 value; a group of 1e30 forces FP32 records, where 0.1 is exact
        float[] z = new float[64];
        Arrays.fill(z, 0, 32, 0.1f);
        Arrays.fill(z, 32, 64, 1e30f);
        NDArray u = manager.create(z, new Shape(2, 32));
        try (PackedTensor p = backend.quantize(u, QuantizeSpec.uniform(2, 32, 5, true), manager);
                NDArray y = backend.dequantize(p, manager)) {
            assertEquals(MetadataType.FP32, p.getMetadataType());
            assertArrayEquals(z, y.toFloatArray(), 0f);
        }
    }

    @Test
    void paddingTakesNoPartInRangesAndPacksZeros() {
        float[] x = new float[2 * 300];
        for (int i = 0; i < x.length; i++) {
            x[i] = 5f + (i % 300) * 0.01f; // all above 5: a zero padding would lower the minimum
        }
        NDArray t = manager.create(x, new Shape(2, 300));
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(8, 256, 1, true), manager);
                NDArray y = backend.dequantize(p, manager)) {
            byte[] b = bytes(p);
            for (int group = 0; group < 4; group++) {
                float lo = FormatReference.readRecord(b, true, p.payloadBytes(), group)[0];
                assertTrue(lo >= 4.99f, "group " + group + " low value " + lo);
            }
            for (int n = 0; n < 2; n++) {
                // second group of each sample: 44 real elements, 212 padding bytes at 8 bits
                int start = (int) p.sampleOffset(n) + 256;
                for (int j = 44; j < 256; j++) {
                    assertEquals(0, b[start + j], "padding code " + j + " of sample " + n);
                }
            }
            checkBound(x, y.toFloatArray(), p, 8, true);
        }
    }

    @Test
    void emptyTensorsPackToZeroBytes() {
        for (Shape shape : new Shape[] {new Shape(0, 8), new Shape(3, 0), new Shape(0)}) {
            NDArray t = manager.create(new float[0], shape);
            int samples = (int) shape.get(0);
            try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 256, 0, true), manager);
                    NDArray y = backend.dequantize(p, manager)) {
                assertEquals(0, p.byteSize(), shape.toString());
                assertEquals(shape, y.getShape());
                assertEquals(DataType.FLOAT32, y.getDataType());
            }
            try (GroupStats stats = backend.analyze(t, 256)) {
                assertEquals(samples, stats.sampleRangeSquares().length);
            }
        }
    }

    @Test
    void scalarsAndSingleElementsRoundTrip() {
        for (NDArray t : new NDArray[] {manager.create(1.5f), manager.create(new float[] {-7.25f}, new Shape(1))}) {
            for (int bits : new int[] {1, 8}) {
                try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(bits, 32, 0, true), manager);
                        NDArray y = backend.dequantize(p, manager)) {
                    assertEquals(t.getShape(), y.getShape());
                    assertEquals(1, p.samples());
                    assertEquals(32 * bits / 8 + 4, p.byteSize(), "one group, padded to 32");
                    assertEquals(t.toFloatArray()[0], y.toFloatArray()[0], 0f, "a constant group is exact");
                }
            }
        }
    }

    @Test
    void hugeMagnitudesUseFp32Records() {
        float[] x = gaussian(512, 6);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 1e30f;
        }
        NDArray t = manager.create(x, new Shape(2, 256));
        for (int bits : new int[] {1, 2, 4, 8}) {
            try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(bits, 256, 3, true), manager);
                    NDArray y = backend.dequantize(p, manager)) {
                assertEquals(MetadataType.FP32, p.getMetadataType(), "1e30 exceeds fp16");
                assertEquals(2 * 8, p.metadataBytes());
                checkBound(x, y.toFloatArray(), p, bits, true);
            }
        }
    }

    @Test
    void tinyRangesAroundLargeOffsetsUseFp32Records() {
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) {
            x[i] = 100000f + (i % 13) * 0.0078125f; // range 0.09 at 1e5: beyond fp16 (max 65504)
        }
        NDArray t = manager.create(x, new Shape(1, 256));
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(4, 256, 3, true), manager);
                NDArray y = backend.dequantize(p, manager)) {
            assertEquals(MetadataType.FP32, p.getMetadataType());
            checkBound(x, y.toFloatArray(), p, 4, true);
            float[] v = y.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                assertEquals(x[i], v[i], 0.0079f, "within one step of 0.006 and one ulp (0.0078)");
            }
        }
    }

    @Test
    void nonFiniteGroupsDequantizeToNanAndLeaveOthersAlone() {
        float[][] poisons = {{Float.NaN}, {Float.POSITIVE_INFINITY}, {Float.NEGATIVE_INFINITY}, {3e38f, -3e38f}};
        for (float[] poison : poisons) {
            float[] x = gaussian(3 * 64, 7);
            for (int k = 0; k < poison.length; k++) {
                x[64 + 10 + k] = poison[k]; // second group
            }
            NDArray t = manager.create(x, new Shape(3, 64));
            for (CpuQuantizerBackend b : variants()) {
                try (PackedTensor p = b.quantize(t, QuantizeSpec.uniform(4, 64, 1, true), manager);
                        NDArray y = b.dequantize(p, manager)) {
                    String what = Arrays.toString(poison) + " " + b;
                    assertEquals(MetadataType.FP16, p.getMetadataType(), what);
                    byte[] bytes = bytes(p);
                    int meta = (int) p.payloadBytes() + 4;
                    assertArrayEquals(new byte[] {0x00, 0x7E, 0x00, 0x7E}, Arrays.copyOfRange(bytes, meta, meta + 4), what);
                    for (int j = 0; j < 32; j++) {
                        assertEquals(0, bytes[32 + j], "codes of a non-finite group are 0");
                    }
                    float[] v = y.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        boolean poisoned = i >= 64 && i < 128;
                        assertEquals(poisoned, Float.isNaN(v[i]), what + " element " + i);
                    }
                    float[] rs = b.analyze(t, 64).sampleRangeSquares();
                    assertEquals(Float.POSITIVE_INFINITY, rs[1]);
                    assertTrue(Float.isFinite(rs[0]) && Float.isFinite(rs[2]));
                }
            }
        }
    }

    @Test
    void signedZerosGiveThePositiveZeroRecord() {
        float[] x = new float[64];
        x[3] = -0f; // the minimum is a zero; whichever sign comes first, the record's lo is +0
        x[10] = 1f;
        NDArray t = manager.create(x, new Shape(1, 64));
        try (PackedTensor p = backend.quantize(t, QuantizeSpec.uniform(2, 32, 0, false), manager)) {
            byte[] b = bytes(p);
            assertEquals(0, b[16]);
            assertEquals(0, b[17], "lo is +0, not -0 (0x8000)");
        }
    }

    // ---------------------------------------------------------------- statistics

    @Test
    void sampleRangeSquaresSumTheGroupRanges() {
        float[] x = new float[2 * 64];
        x[0] = -1f;
        x[5] = 2f; // group 0: range 3
        x[40] = 0.5f; // group 1: range 0.5
        x[64] = 4f; // sample 1, group 0: range 4; group 1 constant
        NDArray t = manager.create(x, new Shape(2, 64));
        try (GroupStats stats = backend.analyze(t, 32)) {
            assertArrayEquals(new float[] {9f + 0.25f, 16f}, stats.sampleRangeSquares(), 1e-6f);
            assertEquals(new Shape(2, 64), stats.getShape());
            assertEquals(32, stats.getGroupSize());
        }
    }

    @Test
    void statisticsAreReusedForAnySpecOfTheirGroupSize() {
        NDArray t = manager.create(gaussian(2 * 512, 3), new Shape(2, 512));
        try (GroupStats stats = backend.analyze(t, 128)) {
            for (int bits : new int[] {1, 8}) {
                QuantizeSpec spec = QuantizeSpec.uniform(bits, 128, 4, true);
                try (PackedTensor a = backend.quantize(t, stats, spec, manager);
                        PackedTensor b = backend.quantize(t, spec, manager)) {
                    assertArrayEquals(bytes(b), bytes(a));
                }
            }
        }
    }

    // ---------------------------------------------------------------- memory

    @Test
    void nonContiguousInputsAreReadInLogicalOrderWithoutLeaks() {
        float[] x = gaussian(32 * 48, 10);
        try (NDManager scope = manager.newSubManager()) {
            NDArray base = scope.create(x, new Shape(32, 48));
            NDArray transposed = base.transpose(); // a strided view, 48 x 32
            float[] logical = new float[x.length];
            for (int i = 0; i < 48; i++) {
                for (int j = 0; j < 32; j++) {
                    logical[i * 32 + j] = x[j * 48 + i];
                }
            }
            NDArray contiguous = scope.create(logical, new Shape(48, 32));
            int before = scope.getManagedArrays().size();
            QuantizeSpec spec = QuantizeSpec.uniform(4, 32, 6, true);
            try (PackedTensor a = backend.quantize(transposed, spec, manager);
                    PackedTensor b = backend.quantize(contiguous, spec, manager);
                    NDArray y = backend.dequantize(a, manager)) {
                assertArrayEquals(bytes(b), bytes(a));
                assertEquals(new Shape(48, 32), y.getShape());
            }
            NDArray strided = base.get(":, ::2"); // every other column: 32 x 24, strided
            float[] everyOther = new float[32 * 24];
            for (int i = 0; i < 32; i++) {
                for (int j = 0; j < 24; j++) {
                    everyOther[i * 24 + j] = x[i * 48 + 2 * j];
                }
            }
            NDArray dense = scope.create(everyOther, new Shape(32, 24));
            before = scope.getManagedArrays().size();
            try (PackedTensor a = backend.quantize(strided, spec, manager);
                    PackedTensor b = backend.quantize(dense, spec, manager);
                    var mask = backend.packPositive(strided, manager)) {
                assertArrayEquals(bytes(b), bytes(a));
                try (var denseMask = backend.packPositive(dense, manager)) {
                    assertArrayEquals(denseMask.getStorage().toByteArray(), mask.getStorage().toByteArray());
                }
            }
            assertEquals(before, scope.getManagedArrays().size(), "a temporary contiguous copy leaked");
            assertTrue(transposed.getManager() == scope && strided.getManager() == scope,
                    "the inputs stay with their manager");
        }
    }

    @Test
    void everyResultBelongsToTheGivenManagerAndNothingElseStays() {
        NDArray x = manager.create(gaussian(1000, 1), new Shape(10, 100));
        try (NDManager results = manager.newSubManager()) {
            int inputs = manager.getManagedArrays().size();
            PackedTensor p = backend.quantize(x, QuantizeSpec.uniform(2, 64, 0, true), results);
            NDArray y = backend.dequantize(p, results);
            var mask = backend.packPositive(x, results);
            var range = backend.packInRange(x, new MaskCodec.Range(-1f, 1f, true, false), results);
            NDArray g = backend.applyMask(x, mask, 2f, results);
            assertEquals(5, results.getManagedArrays().size());
            for (NDArray a : new NDArray[] {p.getStorage(), y, mask.getStorage(), range.getStorage(), g}) {
                assertTrue(a.getManager() == results);
            }
            p.close();
            y.close();
            mask.close();
            range.close();
            g.close();
            assertEquals(0, results.getManagedArrays().size());
            assertEquals(inputs, manager.getManagedArrays().size(), "no temporary array stayed behind");
        }
    }

    // ---------------------------------------------------------------- misuse

    @Test
    void nonFloatInputsAreRefusedByName() {
        NDArray ints = manager.create(new int[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.quantize(ints, QuantizeSpec.uniform(2, 32, 0, true), manager));
        assertTrue(e.getMessage().contains("INT32") || e.getMessage().contains("int32"), e.getMessage());
        assertTrue(e.getMessage().contains("float32, float16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend.analyze(ints, 32));
        assertThrows(IllegalArgumentException.class, () -> backend.packPositive(ints, manager));
        NDArray doubles = manager.create(new double[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> backend.analyze(doubles, 32));
    }

    @Test
    void otherDevicesAreRefusedByName() {
        assertTrue(backend.supports(Device.cpu()));
        assertFalse(backend.supports(Device.gpu()));
        NDArray gpu = QuantTestSupport.fake(Device.gpu(), DataType.FLOAT32, new Shape(4, 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.quantize(gpu, QuantizeSpec.uniform(2, 32, 0, true), manager));
        assertTrue(e.getMessage().contains("gpu(0)") && e.getMessage().contains("allowed is cpu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend.analyze(gpu, 32));
        assertThrows(IllegalArgumentException.class, () -> backend.packPositive(gpu, manager));
    }

    @Test
    void mismatchedStatisticsAndBitsAreRefused() {
        NDArray a = manager.create(gaussian(128, 1), new Shape(2, 64));
        NDArray b = manager.create(gaussian(128, 1), new Shape(4, 32));
        try (GroupStats stats = backend.analyze(a, 32)) {
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> backend.quantize(b, stats, QuantizeSpec.uniform(2, 32, 0, true), manager));
            assertTrue(shape.getMessage().contains("(2, 64)") && shape.getMessage().contains("(4, 32)"), shape.getMessage());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> backend.quantize(a, stats, QuantizeSpec.uniform(2, 64, 0, true), manager));
            assertTrue(size.getMessage().contains("32") && size.getMessage().contains("64"), size.getMessage());
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> backend.quantize(a, stats, QuantizeSpec.perSample(new int[] {2, 2, 2}, 32, 0, true), manager));
            assertTrue(count.getMessage().contains("3") && count.getMessage().contains("2"), count.getMessage());
        }
        GroupStats foreign = new GroupStats() {
            @Override
            public Shape getShape() {
                return a.getShape();
            }

            @Override
            public int getGroupSize() {
                return 32;
            }

            @Override
            public float[] sampleRangeSquares() {
                return new float[2];
            }

            @Override
            public void close() {}
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.quantize(a, foreign, QuantizeSpec.uniform(2, 32, 0, true), manager));
        assertTrue(e.getMessage().contains("cpu backend"), e.getMessage());
        GroupStats closed = backend.analyze(a, 32);
        closed.close();
        assertThrows(IllegalStateException.class,
                () -> backend.quantize(a, closed, QuantizeSpec.uniform(2, 32, 0, true), manager));
        assertThrows(IllegalArgumentException.class, () -> backend.analyze(a, 48));
        assertThrows(IllegalArgumentException.class,
                () -> backend.quantize(a, QuantizeSpec.perSample(new int[] {2}, 32, 0, true), manager));
    }

    @Test
    void closedPackedTensorsAreRefused() {
        NDArray a = manager.create(gaussian(64, 1), new Shape(1, 64));
        PackedTensor p = backend.quantize(a, QuantizeSpec.uniform(2, 32, 0, true), manager);
        p.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.dequantize(p, manager));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
