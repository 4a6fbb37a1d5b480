package ai.actnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv1dTranspose;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.GhostBatchNorm;
import ai.djl.nn.pooling.Pool;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Every Q-layer against exact fp32 autograd: identical gradients without compression, close at
 * 8 bits, unbiased at 2 bits (the mean over seeds converges to the exact gradient) and with a
 * variance that falls as bits grow.
 */
class LayerGradientTest {

    /** How a layer's gradient depends on its saved activation. */
    enum Kind {
        /** Linear in the saved activation: the quantized gradient is unbiased. */
        UNBIASED,
        /** Nonlinear in it (batch norm, recomputed nonlinear functions): nearly unbiased. */
        NEARLY_UNBIASED,
        /** Saves something exact (masks, offsets, shapes): no error at any level. */
        LOSSLESS
    }

    /** One layer under test. */
    record Case(
            String name,
            Supplier<Block> block,
            Shape input,
            Kind kind,
            boolean referenceIsConverted) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                        lossy("conv1d", () -> Conv2dLike.conv1d(), new Shape(4, 3, 40)),
                        lossy("conv2d stride 2, groups 2", () -> Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).optStride(new Shape(2, 2)).optPadding(new Shape(1, 1)).optGroups(2).build(), new Shape(4, 4, 9, 9)),
                        // 4.7 MB of input: the backward restores it in chunks of samples.
                        lossy("conv2d, backward in chunks", () -> Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).build(), new Shape(32, 16, 48, 48)),
                        lossy("conv2d dilation 2", () -> Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optDilation(new Shape(2, 2)).optPadding(new Shape(2, 2)).build(), new Shape(4, 3, 11, 11)),
                        lossy("conv1d dilation 3, stride 2", () -> Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optDilation(new Shape(3)).optStride(new Shape(2)).build(), new Shape(4, 3, 40)),
                        lossy("conv3d", () -> Conv3d.builder().setKernelShape(new Shape(3, 3, 3)).setFilters(3).build(), new Shape(2, 2, 5, 6, 7)),
                        new Case("conv1d transposed", () -> Conv1dTranspose.builder().setKernelShape(new Shape(3)).setFilters(4).optStride(new Shape(2)).build(), new Shape(4, 3, 30), Kind.UNBIASED, true),
                        new Case("conv2d transposed, groups 2", () -> Conv2dTranspose.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optStride(new Shape(2, 2)).optGroups(2).build(), new Shape(3, 4, 7, 7), Kind.UNBIASED, true),
                        lossy("linear", () -> Linear.builder().setUnits(6).build(), new Shape(8, 300)),
                        lossy("linear rank 3", () -> Linear.builder().setUnits(6).build(), new Shape(4, 5, 70)),
                        nearly("batchnorm 2d", () -> BatchNorm.builder().build(), new Shape(8, 4, 9, 9)),
                        // 4.7 MB of input: sums over the batch, then the gradient, chunk by chunk.
                        nearly("batchnorm, backward in chunks", () -> BatchNorm.builder().build(), new Shape(32, 16, 48, 48)),
                        nearly("batchnorm 1d", () -> BatchNorm.builder().build(), new Shape(64, 6)),
                        nearly("batchnorm 3d", () -> BatchNorm.builder().build(), new Shape(4, 3, 3, 4, 5)),
                        nearly("batchnorm channels last", () -> BatchNorm.builder().optAxis(3).build(), new Shape(4, 6, 7, 5)),
                        nearly("ghost batchnorm", () -> GhostBatchNorm.builder().optVirtualBatchSize(4).build(), new Shape(8, 3, 6, 6)),
                        lossless("relu block", Activation::reluBlock, new Shape(4, 3, 10, 10)),
                        lossless("relu method reference", () -> new LambdaBlock(Activation::relu), new Shape(4, 300)),
                        lossless("max pool 2x2", () -> Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)), new Shape(4, 3, 10, 10)),
                        lossless("max pool 3x3 stride 2 pad 1", () -> Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)), new Shape(2, 3, 11, 11)),
                        lossless("avg pool 3x3 stride 2 pad 1", () -> Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false, false), new Shape(2, 3, 11, 11)),
                        lossless("global avg pool + flatten", () -> new SequentialBlock().add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()), new Shape(4, 5, 6, 7)),
                        lossless("max pool 1d k3 s2 p1", () -> Pool.maxPool1dBlock(new Shape(3), new Shape(2), new Shape(1)), new Shape(4, 3, 21)),
                        lossless("max pool 3d 2x2x2, ceil", () -> Pool.maxPool3dBlock(new Shape(2, 2, 2), new Shape(2, 2, 2), new Shape(0, 0, 0), true), new Shape(2, 3, 5, 6, 7)),
                        lossless("global max pool 1d", Pool::globalMaxPool1dBlock, new Shape(4, 5, 17)),
                        lossless("global max pool 2d", Pool::globalMaxPool2dBlock, new Shape(4, 5, 6, 7)),
                        lossless("global max pool 3d", Pool::globalMaxPool3dBlock, new Shape(2, 5, 3, 4, 5)),
                        lossless("avg pool 1d k3 s2 p1", () -> Pool.avgPool1dBlock(new Shape(3), new Shape(2), new Shape(1)), new Shape(4, 3, 21)),
                        lossless("avg pool 3d 2x2x2", () -> Pool.avgPool3dBlock(new Shape(2, 2, 2)), new Shape(2, 3, 6, 6, 6)),
                        lossless("leaky relu block", () -> Activation.leakyReluBlock(0.1f), new Shape(4, 300)),
                        lossless("leaky relu by hand, maximum(x, 0.2 x)", () -> new LambdaBlock(l -> new NDList(ai.djl.ndarray.NDArrays.maximum(l.singletonOrThrow(), l.singletonOrThrow().mul(0.2f)))), new Shape(4, 300)),
                        lossy("log softmax lambda", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().logSoftmax(-1))), new Shape(8, 50)),
                        nearly("elu block", () -> Activation.eluBlock(0.7f), new Shape(4, 300)),
                        nearly("selu block", Activation::seluBlock, new Shape(4, 300)),
                        nearly("generic lambda (x * tanh(x))", () -> LambdaBlock.singleton(x -> x.mul(x.tanh()), "xtanh"), new Shape(4, 300)),
                        lossless("residual join relu(a + b)", () -> residual(true), new Shape(4, 3, 6, 6)),
                        lossless("residual join a + b", () -> residual(false), new Shape(4, 3, 6, 6)),
                        nearly("unrecognised join (concat)", LayerGradientTest::concatJoin, new Shape(4, 3, 6, 6)),
                        nearly("small CNN", LayerGradientTest::smallCnn, new Shape(4, 3, 12, 12)))
                .map(Arguments::of);
    }

    private static Case lossy(String name, Supplier<Block> block, Shape input) {
        return new Case(name, block, input, Kind.UNBIASED, false);
    }

    private static Case nearly(String name, Supplier<Block> block, Shape input) {
        return new Case(name, block, input, Kind.NEARLY_UNBIASED, false);
    }

    private static Case lossless(String name, Supplier<Block> block, Shape input) {
        return new Case(name, block, input, Kind.LOSSLESS, false);
    }

    /** Builders DJL names differently per rank. */
    private static final class Conv2dLike {
        static Block conv1d() {
            return Conv1d.builder().setKernelShape(new Shape(5)).setFilters(4).optPadding(new Shape(2)).build();
        }
    }

    private static Block residual(boolean relu) {
        SequentialBlock branch = new SequentialBlock().add(Activation.reluBlock());
        return new ParallelBlock(
                list -> {
                    NDArray sum = list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow());
                    return new NDList(relu ? sum.getNDArrayInternal().relu() : sum);
                },
                Arrays.asList(branch, Blocks.identityBlock()));
    }

    private static Block concatJoin() {
        return new ParallelBlock(
                list -> new NDList(list.get(0).singletonOrThrow().concat(list.get(1).singletonOrThrow().mul(2), 1)),
                Arrays.asList(
                        Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(2).build(),
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).optPadding(new Shape(1, 1)).build()));
    }

    private static Block smallCnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optPadding(new Shape(1, 1)).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optPadding(new Shape(1, 1)).build())
                .add(Activation::relu)
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(5).build());
    }

    private static GradientHarness harness(Case c, ActNNConfig config) {
        return new GradientHarness(c.block().get(), c.input(), config, c.referenceIsConverted());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exactWithoutCompression(Case c) {
        try (GradientHarness h = harness(c, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            Map<String, NDArray> got = h.compressedGradients(x);
            assertEquals(exact.keySet(), got.keySet());
            assertTrue(GradientHarness.worstRelativeError(got, exact) < 1e-5, () -> c + ": " + GradientHarness.worstRelativeError(got, exact));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void closeAtEightBits(Case c) {
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(8).build();
        try (GradientHarness h = harness(c, config)) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            if (c.kind() == Kind.LOSSLESS) {
                assertTrue(err < 1e-5, c + " should be exact at any level: " + err);
            } else {
                assertTrue(err < 0.03, c + ": relative error at 8 bits " + err);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void unbiasedAtTwoBitsAndVarianceFallsWithBits(Case c) {
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(2).build();
        try (GradientHarness h = harness(c, config)) {
            NDArray x = h.manager().randomNormal(c.input());
            Map<String, NDArray> exact = h.exactGradients(x);
            if (c.kind() == Kind.LOSSLESS) {
                double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
                assertTrue(err < 1e-5, c + " should be exact at any level: " + err);
                return;
            }
            // Typical error of one run at 2, 4 and 8 bits (mean over 4 seeds).
            double[] byBits = new double[3];
            int[] bits = {2, 4, 8};
            for (int i = 0; i < bits.length; i++) {
                { var v = bits[i]; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
                double sum = 0;
                for (int r = 0; r < 4; r++) {
                    sum += GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
                }
                byBits[i] = sum / 4;
            }
            // Unbiased: averaging 32 independent roundings shrinks the error about sqrt(32) = 5.7
            // times; a gradient nonlinear in the activation may keep a small bias.
            { var v = 2; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
            // A gradient nonlinear in the activation averages out more slowly: more runs for it.
            int runs = c.kind() == Kind.UNBIASED ? 32 : 64;
            double mean = GradientHarness.worstRelativeError(h.meanCompressedGradients(x, runs), exact);
            double shrink = c.kind() == Kind.UNBIASED ? 3.5 : 2.5;
            assertTrue(mean < byBits[0] / shrink, c + ": mean of " + runs + " runs " + mean + " vs one run " + byBits[0]);
            assertTrue(byBits[0] > byBits[1] && byBits[1] > byBits[2], c + ": error by bits " + Arrays.toString(byBits));
        }
    }
}
