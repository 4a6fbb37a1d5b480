package ai.actnn.nn.norm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A batch norm over few values per channel keeps its standardised input at its second layer
 * group's bits (8 at L3): its backward is quadratic in that input, so 2-bit rounding would bias
 * the gradient by about the rounding variance over the count. Over many values it keeps the
 * level's 2 bits.
 */
class BatchNormFewValuesTest {

    private static BatchNorm net() {
        return BatchNorm.builder().build();
    }

    /** Returns {mean-of-8 relative gradient error at L3, bytes kept per element of the batch norm's input}. */
    private static double[] measure(int batch) {
        Shape input = new Shape(batch, 32);
        try (GradientHarness h = new GradientHarness(net(), input, GradientHarness.level("L3"))) {
            NDArray x = h.manager().randomNormal(input);
            Map<String, NDArray> exact = h.exactGradients(x);
            h.compressedGradients(x); // the first step's initial bits
            double err = GradientHarness.globalRelativeError(h.meanCompressedGradients(x, 8), exact);
            long kept = h.compressedTrainer().getCompression().lastStep().savedBytes();
            // The standardised input (packed, with its per-sample metadata) and 32 invstd floats.
            return new double[] {err, (double) (kept - 32 * 4) / (batch * 32)};
        }
    }

    @Test
    void fewValuesPerChannelKeepEightBitsAndStayClose() {
        double[] few = measure(4);
        assertTrue(few[1] >= 1.0, "4 values per channel: at least 8 bits per element kept, got " + few[1] + " B");
        assertTrue(few[0] < 0.02, "4 values per channel: mean L3 gradient error " + few[0]);
    }

    @Test
    void manyValuesPerChannelKeepTheLevelsBits() {
        double[] many = measure(64);
        assertTrue(many[1] < 0.4, "64 values per channel: about 2 bits per element kept, got " + many[1] + " B");
        assertTrue(many[0] < 0.2, "64 values per channel: mean L3 gradient error " + many[0]);
    }
}
