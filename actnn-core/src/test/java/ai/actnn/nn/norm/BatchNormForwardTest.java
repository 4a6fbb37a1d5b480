package ai.actnn.nn.norm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * At a compressing level the batch norm keeps its standardised input x̂ rather than its input,
 * computed beside PyTorch's output: the forward must stay PyTorch's own output bit for bit (deep
 * nets of few values per channel amplify a one-ulp difference to a percent), and the gradients,
 * with gamma and beta away from 1 and 0 where x̂ and the output differ, must come from x̂.
 */
class BatchNormForwardTest {

    @Test
    void theForwardMatchesDjlAndTheGradientsStayCloseAtEightBits() {
        Shape input = new Shape(16, 6, 7, 7);
        // 8 bits: compressed (the standardised path), with an error small enough that reading
        // overwritten values would stand out.
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(8).build();
        try (GradientHarness h = new GradientHarness(BatchNorm.builder().build(), input, config)) {
            // gamma and beta away from 1 and 0, where x̂ and the output differ.
            scramble(h);
            // Large magnitudes and both signs, channel means far from zero.
            NDArray x = h.manager().randomNormal(0f, 40f, input, DataType.FLOAT32)
                    .add(h.manager().arange(6f).mul(25f).sub(60f).reshape(1, 6, 1, 1));
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plain = h.lastOutputs().singletonOrThrow();
            Map<String, NDArray> ours = h.compressedGradients(x);
            NDArray compressed = h.lastOutputs().singletonOrThrow();
            float worst = plain.sub(compressed).abs().max().getFloat();
            assertTrue(worst == 0f, "largest forward difference " + worst);
            double err = GradientHarness.globalRelativeError(ours, exact);
            assertTrue(err < 0.05, "relative gradient error at 8 bits " + err);
        }
    }

    /**
     * Above 64 MiB the forward packs x̂ from a first pass's buffer and takes the output from a
     * second pass: still PyTorch's output bit for bit, the running statistics updated once.
     */
    @Test
    void aLargeBatchTakesTwoPassesWithTheSameOutputAndOneRunningUpdate() {
        Shape input = new Shape(65, 16, 128, 128);
        assertTrue(ai.actnn.nn.BackwardChunks.isLargeTransient(input.size() * Float.BYTES), "over the target");
        ActNNConfig config = GradientHarness.level("L2").toBuilder().optActivationCompressionBits(8).build();
        try (GradientHarness h = new GradientHarness(BatchNorm.builder().build(), input, config)) {
            scramble(h);
            NDArray x = h.manager().randomNormal(0f, 40f, input, DataType.FLOAT32).add(15f);
            NDArray[] running = runningStatistics(h);
            NDArray[] before = {running[0].duplicate(), running[1].duplicate()};
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray[] afterPlain = {running[0].duplicate(), running[1].duplicate()};
            NDArray plain = h.lastOutputs().singletonOrThrow();
            running[0].set(before[0].toFloatArray());
            running[1].set(before[1].toFloatArray());
            Map<String, NDArray> ours = h.compressedGradients(x);
            NDArray compressed = h.lastOutputs().singletonOrThrow();
            assertTrue(plain.sub(compressed).abs().max().getFloat() == 0f, "the output differs from PyTorch's");
            assertTrue(afterPlain[0].sub(running[0]).abs().max().getFloat() == 0f, "running mean updated differently");
            assertTrue(afterPlain[1].sub(running[1]).abs().max().getFloat() == 0f, "running variance updated differently");
            double err = GradientHarness.globalRelativeError(ours, exact);
            assertTrue(err < 0.05, "relative gradient error at 8 bits " + err);
        }
    }

    private static NDArray[] runningStatistics(GradientHarness h) {
        NDArray mean = null;
        NDArray variance = null;
        for (Pair<String, Parameter> p : h.converted().getParameters()) {
            if (p.getKey().endsWith("runningMean")) {
                mean = p.getValue().getArray();
            } else if (p.getKey().endsWith("runningVar")) {
                variance = p.getValue().getArray();
            }
        }
        return new NDArray[] {mean, variance};
    }

    private static void scramble(GradientHarness h) {
        Random random = new Random(7);
        for (Pair<String, Parameter> p : h.converted().getParameters()) {
            NDArray a = p.getValue().getArray();
            if (p.getKey().contains("gamma") || p.getKey().contains("beta")) {
                float[] values = new float[(int) a.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (p.getKey().contains("gamma") ? 1.5f : 0f) + (float) random.nextGaussian();
                }
                a.set(FloatBuffer.wrap(values));
            }
        }
    }

    @Test
    void theForwardIsExactAtL0() {
        Shape input = new Shape(8, 4, 5, 5);
        try (GradientHarness h = new GradientHarness(BatchNorm.builder().build(), input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(0f, 5f, input, DataType.FLOAT32);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plain = h.lastOutputs().singletonOrThrow();
            Map<String, NDArray> ours = h.compressedGradients(x);
            assertTrue(plain.sub(h.lastOutputs().singletonOrThrow()).abs().max().getFloat() == 0f, "L0 forward differs");
            double err = GradientHarness.worstRelativeError(ours, exact);
            assertTrue(err < 1e-5, "L0 gradient error " + err);
        }
    }
}
