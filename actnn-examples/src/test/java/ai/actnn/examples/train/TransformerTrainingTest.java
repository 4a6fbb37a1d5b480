package ai.actnn.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.data.MnistSource;
import ai.actnn.examples.engine.EngineLevelSetup;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The transformer that reads MNIST digits as sequences of rows trains through the same runner as
 * the image models (a smoke check: the accuracy claim is measured with full epochs).
 */
class TransformerTrainingTest {

    private static final ConsoleProgress QUIET =
            new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);

    private static MnistData data;

    @BeforeAll
    static void loadRealDigits() {
        data = MnistSource.builder().sources(MnistSource.Kind.NPM).build().load();
    }

    @Test
    void rowsTransformerLearnsDigitsAtL3() {
        // 40 steps of 32 digits: about 80% on the 2,000 test digits (chance: 10%)
        TrainingOptions options = new TrainingOptions("transformer", "L3", 1, 32, 0.003f, 7, 40);
        TrainingResult result = new TrainingRunner(new EngineLevelSetup(), QUIET).run(options, data, e -> { });
        assertEquals(1, result.epochs().size());
        EpochResult epoch = result.epochs().get(0);
        assertTrue(epoch.testAccuracy() > 0.3, "test accuracy after 40 steps: " + epoch.testAccuracy());
        assertTrue(Double.isFinite(epoch.trainLoss()) && epoch.imagesPerSecond() > 0, epoch.toString());
    }

    @Test
    void modelsThatDoNotTakeImagesAreRejected() {
        TrainingOptions options = new TrainingOptions("bert-tiny", "plain", 1, 64, 0.001f, 7, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingRunner(new EngineLevelSetup(), QUIET).run(options, data, x -> { }));
        assertTrue(e.getMessage().contains("bert-tiny takes token ids, not images"), e.getMessage());
    }
}
