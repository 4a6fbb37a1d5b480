package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.engine.PlainLevelSetup;
import ai.actnn.examples.models.BertTinySpec;
import ai.actnn.examples.models.ImageModelSpec;
import ai.actnn.examples.models.InputSize;
import ai.actnn.examples.report.JsonLines;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.memory.ProcessMemory;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

class BenchmarkRunnerTest {

    private static final ConsoleProgress QUIET =
            new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);

    @Test
    void measuresPlainLenetTraining() {
        BenchmarkConfig config = new BenchmarkConfig(new ImageModelSpec("lenet", 1, 28, 10), "plain", 64, 3, 1, 1);
        BenchmarkResult r = new BenchmarkRunner(new PlainLevelSetup(), QUIET).run(config);
        assertTrue(r.ok());
        assertTrue(r.samplesPerSecond() > 0);
        if (ProcessMemory.isSupported()) {
            // conv1 output alone is 64 x 6 x 28 x 28 floats = 1.2 MB; DJL keeps every intermediate
            assertTrue(r.activationBytes() > 3_000_000 && r.activationBytes() < 40_000_000,
                    "activation " + r.activationBytes());
            assertTrue(r.peakBytes() >= r.activationBytes(), "peak " + r.peakBytes());
            // LeNet's weights, gradients and momentum (under 1 MB) are within the resident set's
            // noise: the state is reported, never negative, and small
            assertTrue(r.stateBytes() >= 0 && r.stateBytes() < 64_000_000, "state " + r.stateBytes());
            assertTrue(r.totalPeakBytes() >= r.peakBytes(), "total " + r.totalPeakBytes());
        }
        BenchmarkResult back = BenchmarkLine.parse(JsonLines.write(r.toJson())).toResult();
        assertEquals(r.model(), back.model());
        assertEquals(r.batch(), back.batch());
        assertEquals(InputSize.image(28), back.size());
        assertEquals(r.activationBytes(), back.activationBytes(), 0.06 * (1 << 20));
        assertTrue(Double.isNaN(back.bitsAvg()));
    }

    @Test
    void engineLevelsRunAndReportTheirBits() {
        BenchmarkConfig config = new BenchmarkConfig(new ImageModelSpec("mlp", 1, 28, 10), "L2", 8, 2, 1, 1);
        BenchmarkResult r = new BenchmarkRunner(new EngineLevelSetup(), QUIET).run(config);
        assertEquals("L2", r.level());
        // The first linear input (784 per sample) keeps 4-bit codes plus the per-group records (5 groups
        // of 160: 16 codes of padding), ~4.2 bits; the two ReLUs 1-bit masks (2 x 256); the inputs of
        // the other two linear layers are ReLU outputs, kept as their positive elements only: rows of
        // the widest sample's count, about half of 256 at random weights (at most 7/8 of it). So
        // (784 * 4.2 + 2 * W * ~4.2 + 512) / 1808 with W from 128 to 160 is 2.7 to 2.9 bits per element,
        // where packing the ReLU outputs whole kept ~3.3.
        assertTrue(r.bitsAvg() > 2.6 && r.bitsAvg() < 3.1, "bits per element " + r.bitsAvg());
    }

    @Test
    void childJvmCommandRunsTheBenchmarkSubcommandWithTheSameClasspath() {
        BenchmarkConfig config = new BenchmarkConfig(new ImageModelSpec("resnet18", 3, 32, 10), "L3", 16, 3, 1, 7);
        List<String> cmd = new ChildJvm("ai.actnn.examples.cli.Main").command(config);
        assertTrue(cmd.get(0).endsWith("java"));
        assertEquals(System.getProperty("java.class.path"), cmd.get(cmd.indexOf("-cp") + 1));
        int main = cmd.indexOf("ai.actnn.examples.cli.Main");
        assertEquals("benchmark", cmd.get(main + 1));
        assertEquals(List.of("--model", "resnet18", "--image-size", "32", "--channels", "3", "--classes", "10",
                "--levels", "L3", "--batch", "16", "--iterations", "3", "--warmup", "1", "--seed", "7",
                "--json", "--no-fresh-jvm"), cmd.subList(main + 2, cmd.size()));
    }

    @Test
    void childJvmCommandCarriesTheSequenceModelSizes() {
        BenchmarkConfig config = new BenchmarkConfig(new BertTinySpec(64, 128, 1000, 2), "plain", 8, 3, 1, 7);
        List<String> cmd = new ChildJvm("ai.actnn.examples.cli.Main").command(config);
        int main = cmd.indexOf("ai.actnn.examples.cli.Main");
        assertEquals(List.of("--model", "bert-tiny", "--seq-len", "64", "--width", "128", "--vocab", "1000",
                "--classes", "2", "--levels", "plain", "--batch", "8"), cmd.subList(main + 2, main + 16));
    }
}
