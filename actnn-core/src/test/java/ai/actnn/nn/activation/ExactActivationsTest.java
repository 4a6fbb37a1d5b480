package ai.actnn.nn.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;

import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The activations with a dedicated exact Q-layer (leaky ReLU in its three forms, ELU, SELU,
 * clipping with fractional gradients at its ends) against plain DJL on inputs that hold every
 * kink exactly (0, -0, the clipping ends and their neighbours), both signs and large magnitudes:
 * the same outputs, and the same input gradient at L0 (and at L3 where nothing is quantized),
 * keeping what their documentation says per element.
 */
class ExactActivationsTest {

    private static final Shape SHAPE = new Shape(4, 64);

    /**
     * One activation: its block, the Q-layer it must become, whether L3 is exact too, and the
     * bytes kept per element at L0 and (for exact ones) at L3.
     */
    record Case(String name, Supplier<Block> block, Class<?> type, boolean lossless, double l0BytesPerElement, double l3BytesPerElement) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("leakyReluBlock(0.1)", () -> Activation.leakyReluBlock(0.1f), QLeakyReLU.class, true, 1 / 8.0, 1 / 8.0),
                new Case("leakyRelu(x, 0.3) in a SequentialBlock", () -> new SequentialBlock().add(l -> Activation.leakyRelu(l, 0.3f)), QLeakyReLU.class, true, 1 / 8.0, 1 / 8.0),
                // maximum() passes half of the gradient to each argument at 0: a 2-bit code.
                new Case("maximum(x, 0.2 x)", () -> new LambdaBlock(l -> new NDList(NDArrays.maximum(l.singletonOrThrow(), l.singletonOrThrow().mul(0.2f)))), QLeakyReLU.class, true, 2 / 8.0, 2 / 8.0),
                new Case("relu6Block", Activation::relu6Block, QClip.class, true, -1, -1),
                new Case("clip(x, -1, 1)", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().clip(-1, 1))), QClip.class, true, -1, -1),
                new Case("eluBlock(1)", () -> Activation.eluBlock(1f), QElu.class, false, 4, -1),
                new Case("eluBlock(0.5)", () -> Activation.eluBlock(0.5f), QElu.class, false, 4, -1),
                new Case("seluBlock", Activation::seluBlock, QElu.class, false, 4, -1),
                new Case("selu in a SequentialBlock", () -> new SequentialBlock().add(Activation::selu), QElu.class, false, 4, -1));
    }

    /** Every kink exactly, their neighbours, both signs, large magnitudes, then N(0, 20^2). */
    static NDArray inputs(NDManager manager) {
        float[] special = {
            0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, Math.nextUp(1f), Math.nextDown(-1f), 6f, Math.nextUp(6f),
            Math.nextDown(6f), -6f, 1e4f, -1e4f, 1e6f, -1e6f, -30f, -100f, 0.5f, -0.5f
        };
        float[] v = new float[(int) SHAPE.size()];
        Random random = new Random(7);
        for (int i = 0; i < v.length; i++) {
            v[i] = i < special.length ? special[i] : (float) random.nextGaussian() * 20f;
        }
        return manager.create(v, SHAPE);
    }

    private static Block unwrap(Block converted) {
        return converted instanceof ai.actnn.nn.container.QSequential ? converted.getChildren().valueAt(0) : converted;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void becomesItsDedicatedQLayer(Case c) {
        Block converted = unwrap(QModule.convert(c.block().get()));
        assertInstanceOf(c.type(), converted, () -> c + " became " + converted);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equalsPlainDjlAtL0OnKinksAndLargeInputs(Case c) {
        try (GradientHarness h = new GradientHarness(c.block().get(), SHAPE, GradientHarness.level("L0"))) {
            NDArray x = inputs(h.manager());
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plainOut = h.lastOutputs().singletonOrThrow();
            Map<String, NDArray> got = h.compressedGradients(x);
            assertTrue(plainOut.contentEquals(h.lastOutputs().singletonOrThrow()), c + ": outputs differ");
            double err = GradientHarness.worstRelativeError(got, exact);
            assertTrue(err < 1e-6, c + ": relative error of the input gradient " + err);
            assertBytes(c, h, c.l0BytesPerElement(), "L0");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void atL3ExactWhereNothingIsQuantizedAndCloseElsewhere(Case c) {
        try (GradientHarness h = new GradientHarness(c.block().get(), SHAPE, GradientHarness.level("L3"))) {
            NDArray x = inputs(h.manager());
            Map<String, NDArray> exact = h.exactGradients(x);
            h.compressedGradients(x); // the first step's 8 bits
            Map<String, NDArray> mean = h.meanCompressedGradients(x, 16);
            double err = GradientHarness.worstRelativeError(mean, exact);
            if (c.lossless()) {
                assertTrue(err < 1e-6, c + ": relative error at L3 " + err);
                assertBytes(c, h, c.l3BytesPerElement(), "L3");
            } else {
                assertTrue(err < 0.1, c + ": relative error of the mean of 16 L3 steps " + err);
                long l3 = h.compressedTrainer().getCompression().lastStep().savedBytes();
                // A 1-bit sign mask and a few-bit negative part: well under a quarter of the input.
                assertTrue(l3 * 4 < SHAPE.size() * 4, c + ": L3 kept " + l3 + " B");
            }
        }
    }

    private static void assertBytes(Case c, GradientHarness h, double perElement, String level) {
        if (perElement < 0) {
            return;
        }
        long kept = h.compressedTrainer().getCompression().lastStep().savedBytes();
        assertEquals((long) Math.ceil(perElement * SHAPE.size()), kept, c + ": bytes kept at " + level);
    }
}
