package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.engine.PlainLevelSetup;
import ai.actnn.examples.report.JsonLineParser;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.memory.ProcessMemory;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

import org.junit.jupiter.api.Test;

class BenchmarkRunnerTest {

    private static final ConsoleProgress QUIET =
            new ConsoleProgress(new PrintStream(OutputStream.nullOutputStream()), false);

    @Test
    void measuresPlainLenetTraining() {
        BenchmarkConfig config = new BenchmarkConfig("lenet", "plain", 64, 28, 1, 10, 3, 1, 1);
        BenchmarkResult r = new BenchmarkRunner(new PlainLevelSetup(), QUIET).run(config);
        assertTrue(r.ok());
        assertTrue(r.imagesPerSecond() > 0);
        if (ProcessMemory.isSupported()) {
            // conv1 output alone is 64 x 6 x 28 x 28 floats = 1.2 MB; DJL keeps every intermediate
            assertTrue(r.activationBytes() > 3_000_000 && r.activationBytes() < 40_000_000,
                    "activation " + r.activationBytes());
            assertTrue(r.peakBytes() >= r.activationBytes(), "peak " + r.peakBytes());
            assertTrue(r.stateBytes() > 0, "state " + r.stateBytes());
        }
        BenchmarkResult back = BenchmarkResult.fromJson(JsonLineParser.parse(r.toJson().toString()));
        assertEquals(r.model(), back.model());
        assertEquals(r.batch(), back.batch());
        assertEquals(r.activationBytes(), back.activationBytes(), 0.06 * (1 << 20));
        assertTrue(Double.isNaN(back.bitsAvg()));
    }

    @Test
    void engineLevelsRunAndReportTheirBits() {
        BenchmarkConfig config = new BenchmarkConfig("mlp", "L2", 8, 28, 1, 10, 2, 1, 1);
        BenchmarkResult r = new BenchmarkRunner(new EngineLevelSetup(), QUIET).run(config);
        assertEquals("L2", r.level());
        // Linear inputs at 4 bits plus their per-group records (no padding: 784 features use groups
        // of 112), and the ReLU masks at 1 bit: on average between the two.
        assertTrue(r.bitsAvg() > 2 && r.bitsAvg() < 4.5, "bits per element " + r.bitsAvg());
    }

    @Test
    void childJvmCommandRunsTheBenchmarkSubcommandWithTheSameClasspath() {
        BenchmarkConfig config = new BenchmarkConfig("resnet18", "L3", 16, 32, 3, 10, 3, 1, 7);
        List<String> cmd = new ChildJvm("ai.actnn.examples.cli.Main").command(config);
        assertTrue(cmd.get(0).endsWith("java"));
        assertEquals(System.getProperty("java.class.path"), cmd.get(cmd.indexOf("-cp") + 1));
        int main = cmd.indexOf("ai.actnn.examples.cli.Main");
        assertEquals("benchmark", cmd.get(main + 1));
        assertEquals(List.of("--model", "resnet18", "--levels", "L3", "--batch", "16", "--image-size", "32",
                "--channels", "3", "--classes", "10", "--iterations", "3", "--warmup", "1", "--seed", "7",
                "--json", "--no-fresh-jvm"), cmd.subList(main + 2, cmd.size()));
    }
}
