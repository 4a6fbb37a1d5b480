package ai.actnn.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/** The gradient scale of the adaptive levels: per-sample squared norms of a gradient. */
class SampleNormsTest {

    @Test
    void squaredNormsAreTheSumsOfSquaresOfEachSample() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] values = new float[3 * 2 * 5];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.sin(i * 0.7) * (1 + i % 4);
            }
            double[] expected = new double[3];
            for (int i = 0; i < values.length; i++) {
                expected[i / 10] += (double) values[i] * values[i];
            }
            NDArray g = manager.create(values, new Shape(3, 2, 5));
            assertArrayEquals(expected, SampleNorms.squared(g), 1e-4);
            try (NDArray half = g.toType(DataType.FLOAT16, true)) {
                double[] fromHalf = SampleNorms.squared(half);
                for (int n = 0; n < expected.length; n++) {
                    // fp16 keeps 11 significant bits: relative error well under 1%
                    assertEquals(expected[n], fromHalf[n], 0.01 * expected[n], "sample " + n);
                }
            }
        }
    }

    @Test
    void aScalarGradientIsOneSample() {
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] norms = SampleNorms.squared(manager.create(-3f));
            assertEquals(1, norms.length);
            assertEquals(9.0, norms[0], 1e-6);
        }
    }
}
