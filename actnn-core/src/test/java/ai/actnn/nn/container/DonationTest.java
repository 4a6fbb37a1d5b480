package ai.actnn.nn.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.autograd.Tape;
import ai.actnn.convert.ConversionRegistry;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.ShapeFunction;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A sequence passes each intermediate on to the child it calls and will not use it after: a
 * parallel block may then free it as soon as its last branch has consumed it, instead of after
 * the join (in a ResNet, a projection shortcut's input goes before the shortcut's batch norm
 * runs). Earlier branches must not free it, nor any branch an array that another returned.
 */
class DonationTest {

    /** Identity with a name; its Q-layer reports whether the block input is still open. */
    static final class Probe extends AbstractBlock {
        final String name;

        Probe(String name) {
            this.name = name;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(inputs.singletonOrThrow().mul(1));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    /** The recorded probe: "keep" remembers its output (the parallel block's input). */
    static final class QProbe extends QLayer {
        static NDArray blockInput;
        static final Map<String, Boolean> openAt = new LinkedHashMap<>();

        QProbe(Probe probe) {
            super(probe);
        }

        @Override
        protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
            String name = ((Probe) original).name;
            NDList out = tape.apply(new ShapeFunction("QProbe", x -> x.mul(1), (g, shape, m) -> g.mul(1)), inputs);
            if ("keep".equals(name)) {
                blockInput = out.singletonOrThrow();
            } else {
                openAt.put(name, !blockInput.isReleased());
            }
            return out;
        }
    }

    private static Block branch(String probe) {
        return new SequentialBlock().add(Linear.builder().setUnits(8).build()).add(new Probe(probe));
    }

    private static Block net(boolean identityFirst) {
        List<Block> branches = new ArrayList<>();
        branches.add(identityFirst ? new LambdaBlock(x -> x) : branch("first"));
        branches.add(branch("last"));
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(new Probe("keep"))
                .add(new ParallelBlock(
                        list -> new NDList(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())), branches))
                .add(Linear.builder().setUnits(3).build());
    }

    private static Map<String, Boolean> run(boolean identityFirst) {
        ConversionRegistry registry = QModule.newRegistry().register(Probe.class, p -> new QProbe((Probe) p));
        Shape input = new Shape(4, 5);
        for (String level : new String[] {"L0", "L3"}) {
            Block converted = QModule.convert(net(identityFirst), registry);
            assertInstanceOf(QParallel.class, converted.getChildren().valueAt(2));
            try (GradientHarness h = new GradientHarness(converted, input, GradientHarness.level(level), true)) {
                NDArray x = h.manager().randomNormal(input);
                Map<String, NDArray> exact = h.exactGradients(x);
                QProbe.openAt.clear();
                Map<String, NDArray> ours = h.compressedGradients(x);
                double err = GradientHarness.worstRelativeError(ours, exact);
                assertTrue(err < (level.equals("L0") ? 1e-5 : 0.5), level + " gradient error " + err);
            }
        }
        return new LinkedHashMap<>(QProbe.openAt);
    }

    @Test
    void theLastBranchFreesTheBlockInputOnceConsumedAndTheFirstDoesNot() {
        Map<String, Boolean> open = run(false);
        assertEquals(Boolean.TRUE, open.get("first"), "the first branch ran while the last still needed the input");
        assertEquals(Boolean.FALSE, open.get("last"), "the last branch's first layer consumed the input");
    }

    @Test
    void anInputThatAnEarlierBranchReturnedStaysOpen() {
        Map<String, Boolean> open = run(true);
        assertEquals(Boolean.TRUE, open.get("last"), "the identity branch returns the input to the join");
    }
}
