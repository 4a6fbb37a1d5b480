package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/**
 * The compaction of ReLU outputs by their masks against a reference written from its
 * definition ({@code docs/format.md}, "Compacted ReLU outputs"): row {@code n} holds sample
 * {@code n}'s elements where the mask is set, in order, then zeros up to the widest sample's
 * count; expanding puts them back with exact zeros elsewhere. Samples start inside mask bytes
 * (features not a multiple of 8), one sample is all zeros, and the result must not depend on
 * the number of threads.
 */
class CompactionTest {

    private static final CpuQuantizerBackend[] BACKENDS = {
        new CpuQuantizerBackend(new Parallel(1, 1), Kernels.scalar()),
        new CpuQuantizerBackend(new Parallel(3, 1), Kernels.best()),
    };

    /** A ReLU output with a sample of zeros only and samples of different counts. */
    private static NDArray reluOutput(NDManager m, Shape shape, DataType type) {
        NDArray x = m.randomNormal(shape).mul(2f);
        x.set(new NDIndex("1"), 0f);
        return x.maximum(0f).toType(type, false);
    }

    /** The compacted rows by definition. */
    private static float[] reference(float[] x, int samples, int features, int[] widthOut) {
        int width = 1;
        for (int n = 0; n < samples; n++) {
            int count = 0;
            for (int i = 0; i < features; i++) {
                count += x[n * features + i] > 0 ? 1 : 0;
            }
            width = Math.max(width, count);
        }
        float[] rows = new float[samples * width];
        for (int n = 0; n < samples; n++) {
            int k = 0;
            for (int i = 0; i < features; i++) {
                float v = x[n * features + i];
                if (v > 0) {
                    rows[n * width + k++] = v;
                }
            }
        }
        widthOut[0] = width;
        return rows;
    }

    @Test
    void compactsAndExpandsAsDefined() {
        Shape[] shapes = {new Shape(5, 3, 7, 3), new Shape(4, 9000), new Shape(3, 8)};
        for (CpuQuantizerBackend b : BACKENDS) {
            for (Shape shape : shapes) {
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                    try (NDManager m = NDManager.newBaseManager()) {
                        NDArray x = reluOutput(m, shape, type);
                        int samples = (int) shape.get(0);
                        int features = (int) (shape.size() / samples);
                        int[] width = new int[1];
                        float[] expected = reference(x.toType(DataType.FLOAT32, false).toFloatArray(), samples,
                                features, width);
                        String what = shape + " " + type + " " + b.threads() + " threads";
                        try (PackedMask mask = b.packPositive(x, m)) {
                            NDArray rows = b.compact(x, mask, m).orElseThrow();
                            assertEquals(new Shape(samples, width[0]), rows.getShape(), what + ": widest count");
                            assertEquals(type, rows.getDataType(), what);
                            assertArrayEquals(expected, rows.toType(DataType.FLOAT32, false).toFloatArray(),
                                    what + ": rows");
                            assertArrayEquals(x.toByteArray(), b.expand(rows, mask, 0, m).toByteArray(),
                                    what + ": expanded");
                            NDArray tail = rows.get("1:");
                            NDArray part = b.expand(tail, mask, 1, m);
                            assertArrayEquals(x.get("1:").toByteArray(), part.toByteArray(),
                                    what + ": rows from sample 1");
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesWhatTheMaskDoesNotDescribe() {
        CpuQuantizerBackend b = BACKENDS[1];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = reluOutput(m, new Shape(4, 100), DataType.FLOAT32);
            try (PackedMask mask = b.packPositive(x, m)) {
                NDArray changed = x.sub(0.5f);
                assertFalse(b.compact(changed, mask, m).isPresent(), "negative values where the mask is clear");
                NDArray nan = x.duplicate();
                // sample 1 is all zeros: its mask bits are clear
                nan.set(new NDIndex("1, 3"), Float.NaN);
                assertFalse(b.compact(nan, mask, m).isPresent(), "NaN where the mask is clear is not a zero");
                assertTrue(b.compact(x.neg().neg(), mask, m).isPresent(), "the same values compact");

                IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                        () -> b.compact(x.reshape(2, 200), mask, m));
                assertTrue(shape.getMessage().contains("(2, 200)"), shape.getMessage());
                NDArray rows = b.compact(x, mask, m).orElseThrow();
                IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                        () -> b.expand(rows, mask, 1, m));
                assertTrue(range.getMessage().contains("from sample 1"), range.getMessage());
                NDArray narrow = rows.get(":, :1");
                assertThrows(IllegalArgumentException.class, () -> b.expand(narrow, mask, 0, m),
                        "rows narrower than a sample's count");
            }
            PackedMask closed = b.packPositive(x, m);
            closed.close();
            assertThrows(IllegalArgumentException.class, () -> b.compact(x, closed, m));
        }
    }
}
