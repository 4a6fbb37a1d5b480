package ai.actnn.nn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.testing.GradientHarness;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * A block recomputed in backward that draws from PyTorch's random generator: the recomputation
 * replays the forward's draws (exact gradients) and leaves the generator where the user's code
 * left it, as without ActNN.
 */
class RecomputeRandomnessTest {

    /** {@code x * u}, u uniform in [0, 1) from PyTorch's default generator: no known Q-layer. */
    private static Block randomScale() {
        return new LambdaBlock(
                l -> {
                    NDArray x = l.singletonOrThrow();
                    return new NDList(x.mul(x.getManager().randomUniform(0f, 1f, x.getShape())));
                },
                "randomScale");
    }

    private static Block net() {
        return new SequentialBlock().add(Linear.builder().setUnits(16).build()).add(randomScale()).add(Linear.builder().setUnits(4).build());
    }

    @Test
    void recomputationReplaysTheDrawsAndLeavesTheGeneratorAsWithoutActNN() {
        Shape input = new Shape(8, 6);
        assertInstanceOf(QGeneric.class, QModule.convert(net()).getChildren().valueAt(1));
        try (GradientHarness h = new GradientHarness(net(), input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input);
            // One step each first: DJL initialises a block lazily on its first forward, and its
            // shape inference runs the block (drawing numbers) once more.
            h.exactGradients(x);
            h.compressedGradients(x);

            Engine.getInstance().setRandomSeed(1234);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plainOut = h.lastOutputs().singletonOrThrow();
            float[] nextPlain = h.manager().randomUniform(0f, 1f, new Shape(5)).toFloatArray();

            Engine.getInstance().setRandomSeed(1234);
            Map<String, NDArray> got = h.compressedGradients(x);
            float[] nextActNN = h.manager().randomUniform(0f, 1f, new Shape(5)).toFloatArray();
            assertTrue(plainOut.contentEquals(h.lastOutputs().singletonOrThrow()), "the forward drew other numbers than plain DJL's");

            double err = GradientHarness.worstRelativeError(got, exact);
            assertTrue(err < 1e-5, "the recomputation did not replay the forward's random draws: " + err);
            assertArrayEquals(nextPlain, nextActNN, "the user's random stream moved differently with ActNN");
        }
    }
}
