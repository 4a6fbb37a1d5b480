package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.models.BertTinySpec;
import ai.actnn.examples.models.ImageModelSpec;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.examples.models.TransformerSpec;
import ai.actnn.memory.ProcessMemory;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/** {@code actnn benchmark} with the sequence models: options, validation and tiny in-process runs. */
class SequenceBenchmarkTest {

    private final Cli cli = new Cli();

    private void assertPlainAboveL3(String model, String... sizes) {
        List<String> args = new ArrayList<>(List.of("benchmark", "--model", model));
        args.addAll(List.of(sizes));
        args.addAll(List.of("--levels", "plain,L3", "--iterations", "3", "--warmup", "1", "--json", "--no-fresh-jvm"));
        List<JsonNode> lines = cli.runJson(args.toArray(String[]::new));
        assertEquals(2, lines.size(), cli.out());
        JsonNode plain = lines.get(0);
        JsonNode l3 = lines.get(1);
        for (JsonNode line : lines) {
            assertEquals(model, line.get("model").asText());
            assertTrue(line.get("image_size").isNull(), line.toString());
            assertTrue(line.get("ips").asDouble() > 0, line.toString());
            for (String key : new String[] {"seq_len", "width", "batch", "activation_mb", "peak_mb", "state_mb",
                "total_peak_mb", "ms_per_step", "bits_avg", "malloc_tuned", "fresh_jvm"}) {
                assertTrue(line.has(key), key + " in " + line);
            }
            assertFalse(line.has("error"), line.toString());
        }
        assertEquals("plain", plain.get("level").asText());
        assertEquals("L3", l3.get("level").asText());
        assertTrue(plain.get("bits_avg").isNull(), plain.toString());
        double bits = l3.get("bits_avg").asDouble();
        assertTrue(bits > 1 && bits < 3.5, "L3 stores about 2 bits per element: " + bits);
        if (ProcessMemory.isSupported()) {
            assertTrue(plain.get("activation_mb").isNumber(), plain.toString());
            assertTrue(l3.get("activation_mb").isNumber(), l3.toString());
            double plainMb = plain.get("activation_mb").asDouble();
            double l3Mb = l3.get("activation_mb").asDouble();
            assertTrue(l3Mb < plainMb / 2, model + " activation MB: plain " + plainMb + ", L3 " + l3Mb);
        }
    }

    @Test
    void bertTinyAtPlainAndL3() {
        assertPlainAboveL3("bert-tiny", "--seq-len", "64", "--width", "128", "--batch", "16");
        JsonNode first = cli.jsonLines().get(0);
        assertEquals(64, first.get("seq_len").asInt());
        assertEquals(128, first.get("width").asInt());
        assertEquals(16, first.get("batch").asInt());
    }

    @Test
    void transformerAtPlainAndL3() {
        // seq 128: at seq 64 L3 keeps about 1.5 MB, within the resident set's noise
        assertPlainAboveL3("transformer", "--seq-len", "128", "--width", "128", "--heads", "2", "--batch", "16");
        assertEquals(128, cli.jsonLines().get(0).get("seq_len").asInt());
    }

    @Test
    void optionsOfOtherModelsAreRejected() {
        assertEquals(2, cli.run("benchmark", "--model", "mlp", "--batch", "8", "--seq-len", "64"));
        assertTrue(cli.err().contains("Option '--seq-len' does not apply to mlp: it is used by bert-tiny, transformer"),
                cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "bert-tiny", "--batch", "8", "--image-size", "32"));
        assertTrue(cli.err().contains("Option '--image-size' does not apply to bert-tiny: it is used by mlp, lenet,"),
                cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "bert-tiny", "--batch", "8", "--heads", "4"));
        assertTrue(cli.err().contains("it is used by transformer"), cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "transformer", "--batch", "8", "--vocab", "100"));
    }

    @Test
    void invalidSequenceSizesAreUsageErrors() {
        assertEquals(2, cli.run("benchmark", "--model", "bert-tiny", "--batch", "8", "--width", "200"));
        assertTrue(cli.err().contains("width 200 must be a multiple of its 3 attention heads"), cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "transformer", "--batch", "8", "--width", "100", "--heads", "3"));
        assertTrue(cli.err().contains("width 100 must be a multiple of the 3 attention heads"), cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "transformer", "--batch", "8", "--seq-len", "0"));
        assertTrue(cli.err().contains("Invalid value for option '--seq-len': 0 (must be >= 1)"), cli.err());
        assertEquals(2, cli.run("benchmark", "--model", "bert-tiny", "--batch", "8", "--classes", "1"));
        assertEquals(2, cli.run("benchmark", "--model", "gpt2", "--batch", "8"));
        assertTrue(cli.err().contains("bert-tiny, transformer"), cli.err());
    }

    @Test
    void theChildJvmArgumentsOfEveryModelParseBackToTheSameModel() {
        List<ModelSpec> specs = List.of(new ImageModelSpec("resnet18", 3, 64, 10), new BertTinySpec(64, 128, 1000, 2),
                TransformerSpec.benchmark(32, 96, 3, 10));
        for (ModelSpec expected : specs) {
            BenchmarkCommand command = new BenchmarkCommand(new EngineLevelSetup());
            CommandLine cl = new CommandLine(command);
            List<String> args = new ArrayList<>(expected.arguments());
            args.addAll(List.of("--batch", "4"));
            cl.parseArgs(args.toArray(String[]::new));
            assertEquals(List.of(expected), command.sizes.specs(command.spec, List.of(expected.name())));
        }
    }

    @Test
    void mixedModelListsApplyEachOptionToTheModelsThatUseIt() {
        BenchmarkCommand command = new BenchmarkCommand(new EngineLevelSetup());
        new CommandLine(command).parseArgs("--model", "mlp,transformer", "--batch", "4", "--image-size", "20",
                "--seq-len", "16", "--width", "64");
        assertEquals(List.of(new ImageModelSpec("mlp", 1, 20, 10), TransformerSpec.benchmark(16, 64, 4, 10)),
                command.sizes.specs(command.spec, List.of("mlp", "transformer")));
    }
}
