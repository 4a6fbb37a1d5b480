package ai.actnn.nn.activation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.nn.core.QGeneric;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Element-wise lambdas that no dedicated Q-layer matches become {@link QElementwise}, which keeps
 * the derivative instead of the input: equal to plain DJL without compression, unbiased at 2
 * bits (where recomputing from a 2-bit input is not: a sine of inputs of standard deviation 8),
 * keeping what a compressed input would. Functions of several elements, and functions whose
 * derivative is not finite on the probes, stay generic.
 */
class ElementwiseTest {

    private static final Shape SHAPE = new Shape(8, 64);

    record Case(String name, Function<NDArray, NDArray> f) {
        @Override
        public String toString() {
            return name;
        }

        Block block() {
            return LambdaBlock.singleton(f, name);
        }
    }

    static Stream<Case> elementwise() {
        return Stream.of(
                new Case("sin", NDArray::sin),
                new Case("x * tanh(x)", x -> x.mul(x.tanh())),
                new Case("exp(-x^2 / 32)", x -> x.square().div(-32f).exp()),
                new Case("softSign", Activation::softSign),
                new Case("softPlus", Activation::softPlus));
    }

    static Stream<Case> notElementwise() {
        return Stream.of(
                new Case("x - mean(x)", x -> x.sub(x.mean())),
                new Case("x / norm(x)", x -> x.div(x.square().sum().sqrt())),
                new Case("softmax", x -> x.softmax(-1)),
                new Case("x * position", x -> x.mul(x.getManager().arange((float) x.size()).reshape(x.getShape()))),
                new Case("dropout-like random mask", x -> x.mul(x.getManager().randomUniform(0f, 1f, x.getShape()).gt(0.5f).toType(x.getDataType(), false))),
                new Case("flatten", x -> x.reshape(x.getShape().get(0), -1)),
                // PyTorch's own mish backward is NaN from x = 100 up: not a derivative to keep.
                new Case("mish", Activation::mish));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("elementwise")
    void elementwiseLambdasKeepTheirDerivative(Case c) {
        assertInstanceOf(QElementwise.class, QModule.convert(c.block()), c::toString);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notElementwise")
    void functionsOfSeveralElementsStayGeneric(Case c) {
        Block converted = QModule.convert(c.block());
        assertFalse(converted instanceof QElementwise, c + " became " + converted);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("elementwise")
    void equalsPlainDjlAtL0(Case c) {
        try (GradientHarness h = new GradientHarness(c.block(), SHAPE, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(SHAPE).mul(8f);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plainOut = h.lastOutputs().singletonOrThrow();
            double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(plainOut.contentEquals(h.lastOutputs().singletonOrThrow()), c + ": outputs differ");
            assertTrue(err < 1e-6, c + ": relative error at L0 " + err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("elementwise")
    void unbiasedAtTwoBits(Case c) {
        try (GradientHarness h = new GradientHarness(c.block(), SHAPE, GradientHarness.level("L2").toBuilder().optActivationCompressionBits(2).build())) {
            NDArray x = h.manager().randomNormal(SHAPE).mul(8f);
            Map<String, NDArray> exact = h.exactGradients(x);
            double one = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            double mean = GradientHarness.globalRelativeError(h.meanCompressedGradients(x, 32), exact);
            // Unbiased: averaging 32 roundings shrinks the error about sqrt(32) = 5.7 times.
            assertTrue(mean < one / 3.5, c + ": mean of 32 runs " + mean + " vs one run " + one);
            long kept = h.compressedTrainer().getCompression().lastStep().savedBytes();
            assertTrue(kept * 8 < SHAPE.size() * 32, c + ": kept " + kept + " B, not a 2-bit derivative");
        }
    }

    @Test
    void recomputingASineFromTwoBitInputsIsBiasedWhereTheDerivativeIsNot() {
        Block sine = LambdaBlock.singleton(NDArray::sin, "sin");
        try (GradientHarness h = new GradientHarness(new QGeneric(sine), SHAPE, GradientHarness.level("L2").toBuilder().optActivationCompressionBits(2).build())) {
            NDArray x = h.manager().randomNormal(SHAPE).mul(8f);
            Map<String, NDArray> exact = h.exactGradients(x);
            double mean = GradientHarness.globalRelativeError(h.meanCompressedGradients(x, 32), exact);
            assertTrue(mean > 0.5, "the generic path's mean error " + mean + " (the bias this layer avoids)");
        }
    }

}
