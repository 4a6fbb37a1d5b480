package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

/** Parsing, validation and exit codes of the command line (no training beyond a few tiny steps). */
class MainTest {

    private final Cli cli = new Cli();

    @ParameterizedTest
    @ValueSource(strings = {"data", "demo", "train", "benchmark", "quantizer-bench"})
    void everySubcommandHasHelp(String command) {
        assertEquals(0, cli.run(command, "--help"));
        assertTrue(cli.out().startsWith("Usage: actnn " + command), cli.out());
    }

    @Test
    void noSubcommandPrintsUsage() {
        assertEquals(0, cli.run());
        assertTrue(cli.out().contains("Commands:"), cli.out());
    }

    @Test
    void unknownOptionsAndSubcommandsAreUsageErrors() {
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--frobnicate"));
        assertTrue(cli.err().contains("Unknown option: '--frobnicate'"), cli.err());
        assertEquals(2, cli.run("fly"));
    }

    @Test
    void missingRequiredOptionsAreUsageErrors() {
        assertEquals(2, cli.run("train", "--model", "mlp", "--level", "L3"));
        assertTrue(cli.err().contains("--epochs"), cli.err());
    }

    @Test
    void badValuesAreUsageErrorsWithTheAllowedValues() {
        assertEquals(2, cli.run("train", "--model", "vgg", "--level", "L3", "--epochs", "1"));
        assertTrue(cli.err().contains("allowed: mlp, lenet, convnet, resnet18, transformer"), cli.err());
        assertEquals(2, cli.run("train", "--model", "bert-tiny", "--level", "L3", "--epochs", "1"));
        assertEquals(2, cli.run("train", "--model", "transformer", "--level", "L3", "--epochs", "1",
                "--max-steps-per-epoch", "-1"));
        assertTrue(cli.err().contains("'--max-steps-per-epoch': -1 (must be >= 0)"), cli.err());
        assertEquals(2, cli.run("demo", "--model", "bert-tiny"));
        assertEquals(2, cli.run("train", "--model", "mlp", "--level", "L7", "--epochs", "1"));
        assertTrue(cli.err().contains("plain, L0, L1, L2, L3, L4, L5, auto"), cli.err());
        assertEquals(2, cli.run("train", "--dataset", "cifar10", "--model", "mlp", "--level", "L3", "--epochs", "1"));
        assertEquals(2, cli.run("train", "--model", "mlp", "--level", "L3", "--epochs", "0"));
        assertEquals(2, cli.run("train", "--model", "mlp", "--level", "L3", "--epochs", "x"));
        assertEquals(2, cli.run("benchmark", "--model", "resnet101", "--batch", "8"));
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8,0"));
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--levels", "plain,L9"));
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--iterations", "0"));
        assertEquals(2, cli.run("data", "--source", "ftp"));
    }

    @Test
    void memoryBudgetIsParsedAndChecked() {
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--find-max-batch"));
        assertTrue(cli.err().contains("--find-max-batch needs --memory-budget"), cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--memory-budget", "4GiB"));
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--find-max-batch",
                "--memory-budget", "4 gigs"));
        assertTrue(cli.err().contains("Invalid size '4 gigs'"), cli.err());
    }

    @Test
    void plainBenchmarkInThisJvmPrintsOneJsonLinePerConfiguration() {
        List<JsonNode> lines = cli.runJson("benchmark", "--model", "mlp", "--batch", "8,16", "--levels", "plain",
                "--iterations", "2", "--warmup", "1", "--json", "--no-fresh-jvm");
        assertEquals(2, lines.size(), cli.out());
        JsonNode first = lines.get(0);
        assertEquals("mlp", first.get("model").asText());
        assertEquals("plain", first.get("level").asText());
        assertEquals(8, first.get("batch").asInt());
        for (String key : new String[] {"activation_mb", "peak_mb", "ips", "bits_avg"}) {
            assertTrue(first.has(key), key);
        }
        assertFalse(first.get("fresh_jvm").asBoolean());
    }

    @Test
    void compressedLevelsReportLessActivationMemoryAndTheirBits() {
        List<JsonNode> lines = cli.runJson("benchmark", "--model", "lenet", "--batch", "64", "--levels", "plain,L3",
                "--iterations", "3", "--warmup", "2", "--json", "--no-fresh-jvm");
        assertEquals(2, lines.size(), cli.out());
        JsonNode plain = lines.get(0);
        JsonNode l3 = lines.get(1);
        assertEquals("L3", l3.get("level").asText());
        double bits = l3.get("bits_avg").asDouble();
        assertTrue(bits > 1 && bits < 3, "L3 stores about 2 bits per element: " + bits);
        double plainMb = plain.get("activation_mb").asDouble();
        double l3Mb = l3.get("activation_mb").asDouble();
        assertTrue(l3Mb < plainMb / 3, "activation MB: plain " + plainMb + ", L3 " + l3Mb);
    }
}
