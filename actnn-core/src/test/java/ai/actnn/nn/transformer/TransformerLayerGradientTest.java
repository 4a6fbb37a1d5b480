package ai.actnn.nn.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.nn.activation.DerivativeTable;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.PointwiseFeedForwardBlock;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.nn.transformer.TransformerEncoderBlock;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The transformer Q-layers against exact fp32 autograd on the unconverted DJL blocks: identical
 * gradients without compression, close at 8 bits, and at 2 bits either unbiased with a variance
 * that falls with bits (layers whose saved tensors are quantized) or within the derivative
 * table's error bound (few-bit activations).
 */
public class TransformerLayerGradientTest {

    /** How a layer's gradient depends on what it saves. */
    enum Kind {
        /** Nonlinear in quantized saved tensors: nearly unbiased. */
        NEARLY_UNBIASED,
        /** A few-bit activation: deterministic, within its table's error. */
        FEW_BIT,
        /** A composite with few-bit activations and quantized tensors: error falls with bits. */
        MIXED
    }

    /** One layer under test; {@code table} is the few-bit table at 2 bits (FEW_BIT only). */
    record Case(String name, Supplier<Block> block, Shape input, Kind kind, Supplier<DerivativeTable> table) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                        nearly("layer norm", () -> LayerNorm.builder().build(), new Shape(4, 6, 40)),
                        fewBit("gelu block", Activation::geluBlock, () -> DerivativeTable.gelu(2)),
                        fewBit("gelu method reference", () -> new LambdaBlock(Activation::gelu), () -> DerivativeTable.gelu(2)),
                        fewBit("silu lambda x * sigmoid(x)", () -> LambdaBlock.singleton(x -> x.mul(x.getNDArrayInternal().sigmoid()), "silu"), () -> DerivativeTable.silu(2)),
                        fewBit("swish block beta 1.5", () -> Activation.swishBlock(1.5f), () -> DerivativeTable.silu(2)),
                        nearly("tanh block", Activation::tanhBlock, new Shape(4, 300)),
                        nearly("sigmoid block", Activation::sigmoidBlock, new Shape(4, 300)),
                        nearly("softmax lambda", () -> LambdaBlock.singleton(x -> x.softmax(-1), "softmax"), new Shape(4, 5, 60)),
                        nearly("self-attention", TransformerLayerGradientTest::attention, new Shape(4, 16, 32)),
                        mixed("point-wise feed-forward (GELU)", () -> new PointwiseFeedForwardBlock(Collections.singletonList(64), 32, Activation::gelu), new Shape(4, 16, 32)),
                        mixed("encoder block", () -> new TransformerEncoderBlock(32, 2, 64, 0f, Activation::gelu), new Shape(4, 16, 32)),
                        mixed("encoder stack with head", TransformerLayerGradientTest::encoderStack, new Shape(4, 16, 32)))
                .map(Arguments::of);
    }

    private static Case nearly(String name, Supplier<Block> block, Shape input) {
        return new Case(name, block, input, Kind.NEARLY_UNBIASED, null);
    }

    private static Case fewBit(String name, Supplier<Block> block, Supplier<DerivativeTable> table) {
        return new Case(name, block, new Shape(8, 512), Kind.FEW_BIT, table);
    }

    private static Case mixed(String name, Supplier<Block> block, Shape input) {
        return new Case(name, block, input, Kind.MIXED, null);
    }

    static Block attention() {
        return ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(32)
                .setHeadCount(2)
                .optAttentionProbsDropoutProb(0f)
                .build();
    }

    /** A BERT-style encoder: two encoder blocks, then a tanh head on every position. */
    public static Block encoderStack() {
        return new SequentialBlock()
                .add(new TransformerEncoderBlock(32, 2, 64, 0f, Activation::gelu))
                .add(new TransformerEncoderBlock(32, 2, 64, 0f, Activation::gelu))
                .add(Linear.builder().setUnits(8).build())
                .add(Activation.tanhBlock());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exactWithoutCompression(Case c) {
        try (GradientHarness h = new GradientHarness(c.block().get(), c.input(), GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            Map<String, NDArray> got = h.compressedGradients(x);
            assertEquals(exact.keySet(), got.keySet());
            double err = GradientHarness.worstRelativeError(got, exact);
            assertTrue(err < 1e-5, () -> c + ": " + err);
            // Recomputation changes what is kept, not the gradient.
            h.reconfigure(b -> b.optRecompute(true));
            double recomputed = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(recomputed < 1e-5, () -> c + " with recomputation: " + recomputed);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void closeAtEightBits(Case c) {
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(8).build();
        try (GradientHarness h = new GradientHarness(c.block().get(), c.input(), config)) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            double err = error(c, h.compressedGradients(x), exact);
            assertTrue(err < 0.03, c + ": relative error at 8 bits " + err);
            { var v = true; h.reconfigure(b -> b.optRecompute(v)); }
            double recomputed = error(c, h.compressedGradients(x), exact);
            assertTrue(recomputed < 0.03, c + ": relative error at 8 bits with recomputation " + recomputed);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void twoBits(Case c) {
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(2).build();
        try (GradientHarness h = new GradientHarness(c.block().get(), c.input(), config)) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            if (c.kind() == Kind.FEW_BIT) {
                // Deterministic: the error is the table's, for normal inputs and gradients.
                double bound = c.table().get().relativeError();
                double err = error(c, h.compressedGradients(x), exact);
                assertTrue(bound < 0.2, c + ": 2-bit table error " + bound);
                assertTrue(err < 1.15 * bound, c + ": error " + err + " above the table's " + bound);
                { var v = 4; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
                double four = error(c, h.compressedGradients(x), exact);
                assertTrue(four < err / 2, c + ": 4-bit codes " + four + " vs 2-bit " + err);
                return;
            }
            double[] byBits = new double[3];
            int[] bits = {2, 4, 8};
            for (int i = 0; i < bits.length; i++) {
                { var v = bits[i]; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
                double sum = 0;
                for (int r = 0; r < 3; r++) {
                    sum += error(c, h.compressedGradients(x), exact);
                }
                byBits[i] = sum / 3;
            }
            assertTrue(byBits[0] > byBits[1] && byBits[1] > byBits[2], c + ": error by bits " + Arrays.toString(byBits));
            // 2-bit softmax outputs are coarse (attention reaches ~1.5 relative error per step):
            // what matters is that the error shrinks with bits and averages out.
            assertTrue(byBits[0] < 3, c + ": error at 2 bits " + byBits[0]);
            if (c.kind() == Kind.NEARLY_UNBIASED) {
                { var v = 2; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
                // Unbiased, the mean of 32 runs has 1/sqrt(32) of one run's error; 2.5x less leaves
                // room for a small bias and for the spread of the 3-run estimate of one run's error
                // (at 16 runs the margin was thin enough to fail about once in a few hundred).
                double mean = error(c, h.meanCompressedGradients(x, 32), exact);
                assertTrue(mean < byBits[0] / 2.5, c + ": mean of 32 runs " + mean + " vs one run " + byBits[0]);
            }
        }
    }

    /**
     * Returns the error that matters for a case: the worst tensor for single layers, the whole
     * gradient for composites (whose small-norm tensors, e.g. a bias before a normalisation, would
     * otherwise dominate).
     */
    private static double error(Case c, Map<String, NDArray> approx, Map<String, NDArray> exact) {
        return c.kind() == Kind.MIXED
                ? GradientHarness.globalRelativeError(approx, exact)
                : GradientHarness.worstRelativeError(approx, exact);
    }
}
