package ai.actnn.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.nn.QBlock;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.activation.QClip;
import ai.actnn.nn.activation.QReLU;
import ai.actnn.nn.container.JoinKind;
import ai.actnn.nn.container.QParallel;
import ai.actnn.nn.core.QGeneric;
import ai.actnn.nn.core.QLinear;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Conversion by registry and by exact probing: clipping functions are recognised as such (never
 * as ReLU), trained exactly with many inputs beyond their thresholds; composites of one's own
 * are converted as copies, the original left untouched; users register Q-layers of their own.
 */
class ConversionTest {

    /** Pre-activations from N(0, 1) inputs times this scale go far beyond 6 on both sides. */
    private static final float SCALE = 20f;

    record Clipper(String name, Supplier<Block> block, float low, float high) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Clipper> clippers() {
        return Stream.of(
                new Clipper("relu6Block", Activation::relu6Block, 0f, 6f),
                new Clipper("clip(0, 6) lambda", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().clip(0, 6))), 0f, 6f),
                new Clipper("hard tanh lambda", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().clip(-1, 1))), -1f, 1f));
    }

    private static SequentialBlock around(Block middle) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(32).build())
                .add(middle)
                .add(Linear.builder().setUnits(4).build());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clippers")
    void clippingBlocksBecomeExactClipLayersNotReLU(Clipper c) {
        Block converted = QModule.convert(around(c.block().get()));
        Block middle = converted.getChildren().valueAt(1);
        QClip clip = assertInstanceOf(QClip.class, middle, () -> c + " became " + middle);
        assertEquals(c.low(), clip.getClipping().low());
        assertEquals(c.high(), clip.getClipping().high());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clippers")
    void clippingTrainsAtL0AsPlainDjlWithPreActivationsBeyondTheRange(Clipper c) {
        Shape input = new Shape(16, 8);
        try (GradientHarness h = new GradientHarness(around(c.block().get()), input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input).mul(SCALE);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDList plainOut = h.lastOutputs();
            Map<String, NDArray> got = h.compressedGradients(x);
            assertTrue(plainOut.singletonOrThrow().contentEquals(h.lastOutputs().singletonOrThrow()), c + ": outputs differ");
            double err = GradientHarness.worstRelativeError(got, exact);
            assertTrue(err < 1e-5, c + ": relative gradient error " + err);
            assertTrue(beyond(h, x, c.high()) > 50, c + ": too few pre-activations beyond the range to test it");
        }
    }

    /** How many pre-activations of the first layer exceed {@code high}. */
    private static long beyond(GradientHarness h, NDArray x, float high) {
        Block first = h.converted().getChildren().valueAt(0);
        ParameterStore ps = new ParameterStore(h.manager(), false);
        NDArray pre = first.forward(ps, new NDList(x), false).singletonOrThrow();
        return pre.gt(high).sum().getLong();
    }

    @Test
    void relu6OfASumBecomesAClippedJoinExactAtL0() {
        ParallelBlock unit = new ParallelBlock(
                list -> new NDList(Activation.relu6(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()))),
                Arrays.asList(Linear.builder().setUnits(32).build(), Linear.builder().setUnits(32).build()));
        SequentialBlock net = new SequentialBlock().add(unit).add(Linear.builder().setUnits(4).build());
        QParallel q = assertInstanceOf(QParallel.class, QModule.convert(net).getChildren().valueAt(0));
        assertEquals(JoinKind.ADD_CLIP, q.getJoinKind());
        Shape input = new Shape(16, 8);
        try (GradientHarness h = new GradientHarness(net, input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input).mul(SCALE);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDList plainOut = h.lastOutputs();
            double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(plainOut.singletonOrThrow().contentEquals(h.lastOutputs().singletonOrThrow()));
            assertTrue(err < 1e-5, "relu6 join: relative gradient error " + err);
        }
    }

    @Test
    void aConcatenatingJoinIsRecognisedAndExactWithoutKeepingAnything() {
        Supplier<ParallelBlock> inception = () -> new ParallelBlock(
                list -> new NDList(list.get(0).singletonOrThrow().concat(list.get(1).singletonOrThrow(), 1)),
                Arrays.asList(Linear.builder().setUnits(6).build(), Linear.builder().setUnits(10).build()));
        QParallel q = assertInstanceOf(QParallel.class, QModule.convert(inception.get()));
        assertEquals(JoinKind.CONCAT, q.getJoinKind());
        Supplier<Block> net = () -> new SequentialBlock().add(inception.get()).add(Linear.builder().setUnits(4).build());
        Shape input = new Shape(8, 5);
        try (GradientHarness h = new GradientHarness(net.get(), input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input).mul(SCALE);
            Map<String, NDArray> exact = h.exactGradients(x);
            double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(err < 1e-5, "concat join: relative gradient error " + err);
        }
        // The join itself keeps nothing: at L0 the step keeps the three linear inputs only (the
        // two branches share the block's input: kept once).
        try (GradientHarness h = new GradientHarness(net.get(), input, GradientHarness.level("L0"))) {
            h.compressedGradients(h.manager().randomNormal(input));
            long kept = h.compressedTrainer().getCompression().lastStep().savedBytes();
            assertEquals((8 * 5 + 8 * 16) * 4, kept);
        }
    }

    @Test
    void reluStaysReLUAndUnknownFunctionsFallBackToTheGenericWrapper() {
        assertInstanceOf(QReLU.class, QModule.convert(new LambdaBlock(Activation::relu)));
        // Softplus saturates nowhere and is no known activation: never guessed; it is verified
        // element-wise and keeps its derivative.
        assertInstanceOf(
                ai.actnn.nn.activation.QElementwise.class,
                QModule.convert(new LambdaBlock(l -> new NDList(Activation.softPlus(l.singletonOrThrow())))));
        // A function of several elements: recomputed.
        assertInstanceOf(QGeneric.class, QModule.convert(new LambdaBlock(l -> new NDList(l.singletonOrThrow().softmax(0)))));
        // ReLU below 1e3, zero above: agrees with ReLU on N(0, 1), not on the probes.
        LambdaBlock tricky = new LambdaBlock(l -> {
            NDArray x = l.singletonOrThrow();
            return new NDList(x.getNDArrayInternal().relu().mul(x.lt(1e3f).toType(x.getDataType(), false)));
        });
        assertFalse(QModule.convert(tricky) instanceof QReLU);
        // A sum that saturates only at 1e5: not a plain sum.
        ParallelBlock saturating = new ParallelBlock(
                list -> new NDList(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()).clip(-1e5f, 1e5f)),
                Arrays.asList(Linear.builder().setUnits(4).build(), Linear.builder().setUnits(4).build()));
        QParallel q = assertInstanceOf(QParallel.class, QModule.convert(saturating));
        assertEquals(JoinKind.ADD_CLIP, q.getJoinKind());
    }

    /** A user's composite that calls its children from its own forward, held in typed fields. */
    static final class Residual extends AbstractBlock {
        final Block inner;
        final Block outer;
        final List<Block> both;

        Residual() {
            inner = addChildBlock("inner", Linear.builder().setUnits(8).build());
            outer = addChildBlock("outer", new SequentialBlock().add(Activation.reluBlock()).add(Linear.builder().setUnits(8).build()));
            both = new ArrayList<>(Arrays.asList(inner, outer));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray h = both.get(0).forward(ps, new NDList(x), training, params).singletonOrThrow();
            NDArray y = outer.forward(ps, new NDList(h), training, params).singletonOrThrow();
            return new NDList(y.add(x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }

        @Override
        public void initializeChildBlocks(NDManager manager, ai.djl.ndarray.types.DataType dataType, Shape... inputShapes) {
            inner.initialize(manager, dataType, inputShapes);
            outer.initialize(manager, dataType, inputShapes);
        }
    }

    @Test
    void aCustomCompositeIsConvertedAsACopyAndTheOriginalIsLeftUntouched() {
        Residual original = new Residual();
        Block innerBefore = original.inner;
        Block outerBefore = original.outer;
        List<Block> childrenBefore = new ArrayList<>(original.getChildren().values());
        Block converted = QModule.convert(original);
        Residual copy = assertInstanceOf(Residual.class, converted);
        assertTrue(copy != original, "a copy, not the original");
        assertSame(innerBefore, original.inner);
        assertSame(outerBefore, original.outer);
        assertEquals(childrenBefore, new ArrayList<>(original.getChildren().values()));
        assertSame(innerBefore, original.both.get(0), "the original's own list is unchanged");
        assertInstanceOf(QLinear.class, copy.inner);
        assertInstanceOf(QLinear.class, copy.both.get(0));
        assertInstanceOf(QBlock.class, copy.outer);
        Shape input = new Shape(4, 8);
        // The original (the harness's reference) and the copy train to the same gradients.
        try (GradientHarness h = new GradientHarness(original, input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input);
            Map<String, NDArray> exact = h.exactGradients(x);
            double err = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(err < 1e-5, "custom composite at L0: " + err);
            assertSame(innerBefore, original.inner);
        }
    }

    /** A block of a user's own, with a Q-layer of the user's own. */
    static final class Doubler extends AbstractBlock {
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(inputs.singletonOrThrow().mul(2));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** The user's Q-layer of {@link Doubler}: a plain block marked as already converted. */
    static final class QDoubler extends QLayer {
        QDoubler(Doubler d) {
            super(d);
        }

        @Override
        protected NDList forwardRecorded(ai.actnn.autograd.Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
            return tape.apply(new ai.actnn.nn.ShapeFunction("QDoubler", x -> x.mul(2), (g, shape, m) -> g.mul(2)), inputs);
        }
    }

    @Test
    void usersRegisterQLayersForTheirOwnBlocksInARegistryOfTheirOwn() {
        ConversionRegistry registry = QModule.newRegistry().register(Doubler.class, QDoubler::new);
        Block net = new SequentialBlock().add(new Doubler()).add(Linear.builder().setUnits(2).build());
        assertInstanceOf(QDoubler.class, QModule.convert(net, registry).getChildren().valueAt(0));
        assertInstanceOf(QGeneric.class, QModule.convert(net).getChildren().valueAt(0), "the default registry is untouched");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.register(QDoubler.class, b -> b));
        assertTrue(e.getMessage().contains("already a Q-block"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QModule.convert(null));
    }
}
