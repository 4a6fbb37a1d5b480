package ai.actnn.nn.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;

import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pooling blocks with dedicated Q-layers (max and average pooling over one and three axes,
 * global max pooling over one to three axes) against plain DJL, on inputs full of ties (ReLU
 * outputs rounded to one decimal, so many windows hold several equal maxima) and large values:
 * identical outputs and input gradients at L0 and at L3, keeping one byte per output (max
 * pooling), one 32-bit index per channel (global max pooling) or nothing (average pooling).
 */
class ExactPoolingTest {

    record Case(String name, Supplier<Block> block, Shape input, Class<?> type, String display, long bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // 33 -> 16 positions (floor), 1 byte each
                new Case("maxPool1d k3 s2", () -> Pool.maxPool1dBlock(new Shape(3), new Shape(2)), new Shape(4, 3, 33), QMaxPool.class, "QMaxPool1d", 4 * 3 * 16),
                new Case("maxPool1d k2 s2 ceil", () -> Pool.maxPool1dBlock(new Shape(2), new Shape(2), new Shape(0), true), new Shape(4, 3, 33), QMaxPool.class, "QMaxPool1d", 4 * 3 * 17),
                new Case("maxPool1d k3 s1 p1 (overlapping)", () -> Pool.maxPool1dBlock(new Shape(3), new Shape(1), new Shape(1)), new Shape(4, 3, 20), QMaxPool.class, "QMaxPool1d", 4 * 3 * 20),
                // DJL's maxPool3dBlock(kernel) strides by 1: 6 -> 5 positions per axis
                new Case("maxPool3d 2x2x2 stride 1", () -> Pool.maxPool3dBlock(new Shape(2, 2, 2)), new Shape(2, 3, 6, 6, 6), QMaxPool.class, "QMaxPool3d", 2 * 3 * 125),
                new Case("maxPool3d 3x3x3 s2 p1", () -> Pool.maxPool3dBlock(new Shape(3, 3, 3), new Shape(2, 2, 2), new Shape(1, 1, 1)), new Shape(2, 2, 7, 6, 5), QMaxPool.class, "QMaxPool3d", 2 * 2 * 4 * 3 * 3),
                new Case("globalMaxPool1d", Pool::globalMaxPool1dBlock, new Shape(4, 5, 30), QGlobalMaxPool.class, "QGlobalMaxPool", 4 * 5 * 4),
                new Case("globalMaxPool2d", Pool::globalMaxPool2dBlock, new Shape(4, 5, 7, 6), QGlobalMaxPool.class, "QGlobalMaxPool", 4 * 5 * 4),
                new Case("globalMaxPool3d", Pool::globalMaxPool3dBlock, new Shape(2, 5, 3, 4, 5), QGlobalMaxPool.class, "QGlobalMaxPool", 2 * 5 * 4),
                new Case("avgPool1d k3 s2 p1", () -> Pool.avgPool1dBlock(new Shape(3), new Shape(2), new Shape(1)), new Shape(4, 3, 33), QAvgPool.class, "QAvgPool1d", 0),
                // DJL's PyTorch engine ignores "pad excluded": the Q-layer follows what it computes.
                new Case("avgPool1d k2 ceil, pad excluded", () -> Pool.avgPool1dBlock(new Shape(2), new Shape(2), new Shape(1), true, false), new Shape(4, 3, 33), QAvgPool.class, "QAvgPool1d", 0),
                new Case("avgPool3d 2x2x2", () -> Pool.avgPool3dBlock(new Shape(2, 2, 2)), new Shape(2, 3, 6, 6, 6), QAvgPool.class, "QAvgPool3d", 0));
    }

    /** ReLU outputs rounded to one decimal (ties in most windows), a few of them large. */
    static NDArray inputs(NDManager manager, Shape shape) {
        float[] v = new float[(int) shape.size()];
        Random random = new Random(11);
        for (int i = 0; i < v.length; i++) {
            float g = (float) random.nextGaussian();
            v[i] = g <= 0 ? 0f : Math.round(g * 10) / 10f;
            if (i % 97 == 0) {
                v[i] = 1e4f;
            }
        }
        return manager.create(v, shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void becomesItsDedicatedQLayer(Case c) {
        Block converted = QModule.convert(c.block().get());
        assertInstanceOf(c.type(), converted, () -> c + " became " + converted);
        assertEquals(c.display(), ((ai.actnn.nn.QLayer) converted).displayName());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalsPlainDjlWithTiesAtEveryLevelKeepingLittle(Case c) {
        for (String level : new String[] {"L0", "L3"}) {
            try (GradientHarness h = new GradientHarness(c.block().get(), c.input(), GradientHarness.level(level))) {
                NDArray x = inputs(h.manager(), c.input());
                Map<String, NDArray> exact = h.exactGradients(x);
                NDArray plainOut = h.lastOutputs().singletonOrThrow();
                Map<String, NDArray> got = h.compressedGradients(x);
                assertTrue(plainOut.contentEquals(h.lastOutputs().singletonOrThrow()), c + " at " + level + ": outputs differ");
                double err = GradientHarness.worstRelativeError(got, exact);
                assertTrue(err < 1e-6, c + " at " + level + ": relative error of the input gradient " + err);
                assertEquals(c.bytes(), h.compressedTrainer().getCompression().lastStep().savedBytes(), c + ": bytes kept at " + level);
            }
        }
    }
}
