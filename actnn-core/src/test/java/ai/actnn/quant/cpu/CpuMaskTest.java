package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Random;

/** The 1-bit masks of the CPU backend: element i is bit i mod 8 of byte i / 8. */
class CpuMaskTest extends HostManagerTest {

    private static final int[] SIZES = {1, 7, 8, 9, 63, 4097, 10_000};

    private static byte[] referenceBits(boolean[] set) {
        byte[] b = new byte[(set.length + 7) / 8];
        for (int i = 0; i < set.length; i++) {
            if (set[i]) {
                b[i / 8] |= (byte) (1 << (i % 8));
            }
        }
        return b;
    }

    private static float[] signedValues(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        x[0] = 0f;
        if (n > 3) {
            x[1] = -0f;
            x[2] = Float.NaN;
            x[3] = Float.POSITIVE_INFINITY;
        }
        return x;
    }

    @Test
    void packPositiveSetsTheBitsOfPositiveElements() {
        for (CpuQuantizerBackend backend : QuantTestSupport.variants()) {
            for (int n : SIZES) {
                float[] x = signedValues(n, n);
                boolean[] positive = new boolean[n];
                for (int i = 0; i < n; i++) {
                    positive[i] = x[i] > 0; // NaN is not positive
                }
                byte[] expected = referenceBits(positive);
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                    try (NDArray t = manager.create(x, new Shape(n)).toType(type, false);
                            PackedMask mask = backend.packPositive(t, manager)) {
                        assertEquals((n + 7) / 8, mask.byteSize());
                        assertArrayEquals(expected, mask.getStorage().toByteArray(), n + " " + type);
                        assertArrayEquals(positive, applied(backend, mask), n + " " + type);
                    }
                }
            }
        }
    }

    @Test
    void packInRangeSetsTheBitsOfElementsInsideTheRangeWithEitherEndIncludedOrNot() {
        for (CpuQuantizerBackend backend : QuantTestSupport.variants()) {
            for (int n : SIZES) {
                float[] x = signedValues(n, 5 * n);
                for (int i = 0; i < n; i += 4) {
                    x[i] = i % 8 == 0 ? 0f : 6f; // the ends themselves
                }
                for (boolean low : new boolean[] {false, true}) {
                    for (boolean high : new boolean[] {false, true}) {
                        MaskCodec.Range range = new MaskCodec.Range(0f, 6f, low, high);
                        boolean[] inside = new boolean[n];
                        for (int i = 0; i < n; i++) {
                            float v = x[i];
                            inside[i] = (low ? v >= 0f : v > 0f) && (high ? v <= 6f : v < 6f);
                        }
                        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                            try (NDArray t = manager.create(x, new Shape(n)).toType(type, false);
                                    PackedMask mask = backend.packInRange(t, range, manager)) {
                                boolean[] expected = inside.clone();
                                if (type == DataType.FLOAT16) {
                                    float[] h = t.toType(DataType.FLOAT32, false).toFloatArray();
                                    for (int i = 0; i < n; i++) {
                                        expected[i] = range.contains(h[i]);
                                    }
                                }
                                assertArrayEquals(referenceBits(expected), mask.getStorage().toByteArray(), n + " " + type + " " + range);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void rangesAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MaskCodec.Range(6f, 0f, true, true));
        assertTrue(e.getMessage().contains("[6.0, 0.0]") && e.getMessage().contains("low <= high"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaskCodec.Range(Float.NaN, 1f, true, true));
        assertFalse(new MaskCodec.Range(0f, 6f, true, true).contains(Float.NaN));
    }

    /** The mask applied to ones: one flag per element. */
    private boolean[] applied(CpuQuantizerBackend backend, PackedMask mask) {
        try (NDArray ones = manager.ones(mask.getShape());
                NDArray r = backend.applyMask(ones, mask, 1f, manager)) {
            float[] v = r.toFloatArray();
            boolean[] out = new boolean[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i] != 0f;
            }
            return out;
        }
    }

    @Test
    void applyMaskScalesKeptGradientsAndZeroesTheRest() {
        for (CpuQuantizerBackend backend : QuantTestSupport.variants()) {
            for (int n : SIZES) {
                float[] x = signedValues(n, 2 * n);
                float[] grad = signedValues(n, 3 * n);
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                    try (NDArray xt = manager.create(x, new Shape(n));
                            NDArray gt = manager.create(grad, new Shape(n)).toType(type, false);
                            NDArray g32 = gt.toType(DataType.FLOAT32, true);
                            PackedMask mask = backend.packPositive(xt, manager);
                            NDArray r = backend.applyMask(gt, mask, 1.25f, manager);
                            NDArray r32 = r.toType(DataType.FLOAT32, true)) {
                        assertEquals(type, r.getDataType());
                        float[] g = g32.toFloatArray();
                        float[] got = r32.toFloatArray();
                        for (int i = 0; i < n; i++) {
                            float expected = x[i] > 0 ? g[i] * 1.25f : 0f;
                            if (type == DataType.FLOAT16) {
                                expected = ai.actnn.quant.Half.toFloat(ai.actnn.quant.Half.fromFloat(expected));
                            }
                            assertEquals(expected, got[i], 0f, "element " + i + " of " + n + " " + type);
                        }
                    }
                }
            }
        }
    }

    @Test
    void maskMisuseIsRefused() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend();
        NDArray x = manager.create(new float[] {1, -1, 2, -2}, new Shape(2, 2));
        try (PackedMask mask = backend.packPositive(x, manager)) {
            NDArray wrong = manager.create(new float[] {1, 2, 3, 4}, new Shape(4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.applyMask(wrong, mask, 1f, manager));
            assertTrue(e.getMessage().contains("(4)") && e.getMessage().contains("(2, 2)"), e.getMessage());
            NDArray ints = manager.create(new int[] {1, 2, 3, 4}, new Shape(2, 2));
            assertThrows(IllegalArgumentException.class, () -> backend.applyMask(ints, mask, 1f, manager));
        }
        NDArray ints = manager.create(new int[] {1, 2, 3}, new Shape(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.packInRange(ints, new MaskCodec.Range(0f, 1f, true, true), manager));
        assertTrue(e.getMessage().contains("INT32") || e.getMessage().contains("int32"), e.getMessage());
        PackedMask closed = backend.packPositive(x, manager);
        closed.close();
        assertThrows(IllegalArgumentException.class, () -> backend.applyMask(x, closed, 1f, manager));
    }

    @Test
    void emptyAndScalarMasks() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend();
        try (NDArray empty = manager.create(new float[0], new Shape(0, 3));
                PackedMask mask = backend.packPositive(empty, manager);
                NDArray u = backend.applyMask(empty, mask, 1f, manager)) {
            assertEquals(0, mask.byteSize());
            assertEquals(new Shape(0, 3), u.getShape());
        }
        try (NDArray scalar = manager.create(2f);
                PackedMask mask = backend.packPositive(scalar, manager);
                NDArray g = backend.applyMask(manager.create(3f), mask, 2f, manager)) {
            assertArrayEquals(new byte[] {1}, mask.getStorage().toByteArray());
            assertEquals(6f, g.getFloat());
        }
    }
}
