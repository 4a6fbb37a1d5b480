package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.quant.PackedMask;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

import org.junit.jupiter.api.Test;

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
                            PackedMask mask = backend.packPositive(t, manager);
                            NDArray unpacked = backend.unpackMask(mask, manager)) {
                        assertEquals((n + 7) / 8, mask.byteSize());
                        assertArrayEquals(expected, mask.getStorage().toByteArray(), n + " " + type);
                        assertEquals(DataType.BOOLEAN, unpacked.getDataType());
                        assertEquals(t.getShape(), unpacked.getShape());
                        boolean[] got = unpacked.toBooleanArray();
                        assertArrayEquals(positive, got, n + " " + type);
                    }
                }
            }
        }
    }

    @Test
    void packNonZeroAcceptsEveryNumericAndBooleanType() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend();
        int n = 1003;
        float[] x = signedValues(n, 4);
        for (int i = 0; i < n; i += 3) {
            x[i] = 0f;
        }
        boolean[] nonZero = new boolean[n];
        for (int i = 0; i < n; i++) {
            nonZero[i] = x[i] != 0f; // -0 is zero, NaN is not
        }
        byte[] expected = referenceBits(nonZero);
        try (NDArray f32 = manager.create(x, new Shape(17, 59))) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16, DataType.FLOAT64}) {
                try (NDArray t = f32.toType(type, true); PackedMask mask = backend.packNonZero(t, manager)) {
                    assertArrayEquals(expected, mask.getStorage().toByteArray(), type.toString());
                    assertEquals(f32.getShape(), mask.getShape());
                }
            }
        }
        int[] ints = new int[n];
        long[] longs = new long[n];
        byte[] bytes = new byte[n];
        boolean[] bools = new boolean[n];
        boolean[] set = new boolean[n];
        for (int i = 0; i < n; i++) {
            set[i] = i % 3 != 0 && i % 7 != 0;
            ints[i] = set[i] ? (i % 2 == 0 ? -i : 1 << 30) : 0;
            longs[i] = set[i] ? 1L << 40 : 0;
            bytes[i] = (byte) (set[i] ? 0x80 : 0);
            bools[i] = set[i];
        }
        byte[] expectedSet = referenceBits(set);
        NDArray[] arrays = {
            manager.create(ints), manager.create(longs), manager.create(bytes),
            manager.create(bytes).toType(DataType.UINT8, false), manager.create(bools),
        };
        for (NDArray t : arrays) {
            try (PackedMask mask = backend.packNonZero(t, manager)) {
                assertArrayEquals(expectedSet, mask.getStorage().toByteArray(), t.getDataType().toString());
            }
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
        NDArray strings = QuantTestSupport.fake(Device.cpu(), DataType.STRING, new Shape(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.packNonZero(strings, manager));
        assertTrue(e.getMessage().contains("STRING") || e.getMessage().contains("string"), e.getMessage());
        assertTrue(e.getMessage().contains("boolean, uint8"), e.getMessage());
        PackedMask closed = backend.packPositive(x, manager);
        closed.close();
        assertThrows(IllegalArgumentException.class, () -> backend.unpackMask(closed, manager));
    }

    @Test
    void emptyAndScalarMasks() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend();
        try (NDArray empty = manager.create(new float[0], new Shape(0, 3));
                PackedMask mask = backend.packPositive(empty, manager);
                NDArray u = backend.unpackMask(mask, manager)) {
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
