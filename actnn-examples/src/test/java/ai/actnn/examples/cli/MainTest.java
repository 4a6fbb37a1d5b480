package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.report.JsonLineParser;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;

/** Parsing, validation and exit codes of the command line (no training beyond a few tiny steps). */
class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.newCommandLine(new EngineLevelSetup());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"data", "demo", "train", "benchmark", "quantizer-bench"})
    void everySubcommandHasHelp(String command) {
        assertEquals(0, run(command, "--help"));
        assertTrue(out.toString().startsWith("Usage: actnn " + command), out.toString());
    }

    @Test
    void noSubcommandPrintsUsage() {
        assertEquals(0, run());
        assertTrue(out.toString().contains("Commands:"), out.toString());
    }

    @Test
    void unknownOptionsAndSubcommandsAreUsageErrors() {
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--frobnicate"));
        assertTrue(err.toString().contains("Unknown option: '--frobnicate'"), err.toString());
        assertEquals(2, run("fly"));
    }

    @Test
    void missingRequiredOptionsAreUsageErrors() {
        assertEquals(2, run("train", "--model", "mlp", "--level", "L3"));
        assertTrue(err.toString().contains("--epochs"), err.toString());
    }

    @Test
    void badValuesAreUsageErrorsWithTheAllowedValues() {
        assertEquals(2, run("train", "--model", "vgg", "--level", "L3", "--epochs", "1"));
        assertTrue(err.toString().contains("allowed: mlp, lenet, resnet18, transformer"), err.toString());
        assertEquals(2, run("train", "--model", "bert-tiny", "--level", "L3", "--epochs", "1"));
        assertEquals(2, run("train", "--model", "transformer", "--level", "L3", "--epochs", "1",
                "--max-steps-per-epoch", "-1"));
        assertTrue(err.toString().contains("'--max-steps-per-epoch': -1 (must be >= 0)"), err.toString());
        assertEquals(2, run("demo", "--model", "bert-tiny"));
        assertEquals(2, run("train", "--model", "mlp", "--level", "L7", "--epochs", "1"));
        assertTrue(err.toString().contains("plain, L0, L1, L2, L3, L4, L5, auto"), err.toString());
        assertEquals(2, run("train", "--dataset", "cifar10", "--model", "mlp", "--level", "L3", "--epochs", "1"));
        assertEquals(2, run("train", "--model", "mlp", "--level", "L3", "--epochs", "0"));
        assertEquals(2, run("train", "--model", "mlp", "--level", "L3", "--epochs", "x"));
        assertEquals(2, run("benchmark", "--model", "resnet101", "--batch", "8"));
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8,0"));
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--levels", "plain,L9"));
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--iterations", "0"));
        assertEquals(2, run("data", "--source", "ftp"));
    }

    @Test
    void memoryBudgetIsParsedAndChecked() {
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--find-max-batch"));
        assertTrue(err.toString().contains("--find-max-batch needs --memory-budget"), err.toString());
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--memory-budget", "4GiB"));
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--find-max-batch",
                "--memory-budget", "4 gigs"));
        assertTrue(err.toString().contains("Invalid size '4 gigs'"), err.toString());
    }

    @Test
    void plainBenchmarkInThisJvmPrintsOneJsonLinePerConfiguration() {
        assertEquals(0, run("benchmark", "--model", "mlp", "--batch", "8,16", "--levels", "plain",
                "--iterations", "2", "--warmup", "1", "--json", "--no-fresh-jvm"), err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(2, lines.length, out.toString());
        Map<String, Object> first = JsonLineParser.parse(lines[0]);
        assertEquals("mlp", first.get("model"));
        assertEquals("plain", first.get("level"));
        assertEquals(8L, first.get("batch"));
        for (String key : new String[] {"activation_mb", "peak_mb", "ips", "bits_avg"}) {
            assertTrue(first.containsKey(key), key);
        }
        assertEquals(false, first.get("fresh_jvm"));
    }

    @Test
    void compressedLevelsReportLessActivationMemoryAndTheirBits() {
        assertEquals(0, run("benchmark", "--model", "lenet", "--batch", "64", "--levels", "plain,L3",
                "--iterations", "3", "--warmup", "2", "--json", "--no-fresh-jvm"), err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(2, lines.length, out.toString());
        Map<String, Object> plain = JsonLineParser.parse(lines[0]);
        Map<String, Object> l3 = JsonLineParser.parse(lines[1]);
        assertEquals("L3", l3.get("level"));
        double bits = ((Number) l3.get("bits_avg")).doubleValue();
        assertTrue(bits > 1 && bits < 3, "L3 stores about 2 bits per element: " + bits);
        double plainMb = ((Number) plain.get("activation_mb")).doubleValue();
        double l3Mb = ((Number) l3.get("activation_mb")).doubleValue();
        assertTrue(l3Mb < plainMb / 3, "activation MB: plain " + plainMb + ", L3 " + l3Mb);
    }
}
