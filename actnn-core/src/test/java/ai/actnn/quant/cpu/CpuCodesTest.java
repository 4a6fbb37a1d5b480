package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.internal.TensorOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * The CPU backend's few-bit activation codes equal PyTorch's ({@code torch.bucketize} and the
 * shift-and-sum packing of {@link TensorOps#packCodes}) byte for byte, and their backward
 * equals {@link TensorOps#applyCodes} exactly, in fp32 and fp16.
 */
class CpuCodesTest extends HostManagerTest {

    private static final int[] SIZES = {0, 1, 3, 4, 5, 31, 4097, 10_003};

    private NDArray input(int n, Random random, DataType type) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * 3);
        }
        if (n > 3) {
            v[0] = Float.NaN;
            v[1] = Float.POSITIVE_INFINITY;
            v[2] = -0.5f; // exactly on a boundary below
        }
        NDArray x = manager.create(v, new Shape(n));
        return type == DataType.FLOAT32 ? x : x.toType(type, false);
    }

    @Test
    void codesAndTheirBackwardEqualPyTorchs() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend(2);
        Random random = new Random(5);
        float[][] boundaries = {{0f}, {-0.5f, 0.25f, 1.7f}, {-2f, -1f, -0.5f, 0f, 0.1f, 0.5f, 1f, 2f, 3f}};
        int[] bits = {1, 2, 4};
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
            for (int n : SIZES) {
                for (int k = 0; k < bits.length; k++) {
                    for (float scale : new float[] {1f, 1.702f}) {
                        NDArray x = input(n, random, type);
                        String what = type + " n=" + n + " bits=" + bits[k] + " scale=" + scale;
                        NDArray ours = backend.packCodes(x, boundaries[k], scale, bits[k], manager);
                        NDArray theirs;
                        try (NDArray b = manager.create(boundaries[k])) {
                            theirs = TensorOps.packCodes(x, b, scale, bits[k], manager);
                        }
                        assertEquals(DataType.UINT8, ours.getDataType(), what);
                        assertArrayEquals(theirs.toByteArray(), ours.toByteArray(), "codes, " + what);

                        float[] values = new float[boundaries[k].length + 1];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = (float) random.nextGaussian();
                        }
                        NDArray grad = input(n, random, type);
                        NDArray dx = backend.applyCodes(grad, ours, values, bits[k], manager);
                        NDArray expected;
                        try (NDArray v = manager.create(values)) {
                            expected = TensorOps.applyCodes(grad, theirs, v, bits[k], manager);
                        }
                        assertEquals(grad.getShape(), dx.getShape(), what);
                        assertEquals(type, dx.getDataType(), what);
                        assertArrayEquals(expected.toType(DataType.FLOAT32, false).toFloatArray(),
                                dx.toType(DataType.FLOAT32, false).toFloatArray(), 0f, "backward, " + what);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejectedWithWhatIsAllowed() {
        CpuQuantizerBackend backend = new CpuQuantizerBackend(1);
        NDArray x = manager.create(new float[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.packCodes(x, new float[] {0f}, 1f, 3, manager));
        assertTrue(e.getMessage().contains("allowed are 1, 2, 4, 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.packCodes(x, new float[] {0f, 1f, 2f, 3f}, 1f, 2, manager));
        assertTrue(e.getMessage().contains("at most 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.packCodes(manager.create(new int[] {1, 2}), new float[] {0f}, 1f, 2, manager));
        assertTrue(e.getMessage().contains("allowed are float32, float16"), e.getMessage());
        NDArray codes = backend.packCodes(x, new float[] {0f}, 1f, 2, manager);
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.applyCodes(manager.create(new float[9]), codes, new float[] {1f, 2f}, 2, manager));
        assertTrue(e.getMessage().contains("do not fit a gradient of 9 elements"), e.getMessage());
    }
}
