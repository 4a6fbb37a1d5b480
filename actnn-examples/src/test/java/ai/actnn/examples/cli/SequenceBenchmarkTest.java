package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.models.BertTinySpec;
import ai.actnn.examples.models.ImageModelSpec;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.examples.models.TransformerSpec;
import ai.actnn.examples.report.JsonLineParser;
import ai.actnn.memory.ProcessMemory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** {@code actnn benchmark} with the sequence models: options, validation and tiny in-process runs. */
class SequenceBenchmarkTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.newCommandLine(new EngineLevelSetup());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private List<Map<String, Object>> jsonLines() {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String line : out.toString().strip().split("\n")) {
            lines.add(JsonLineParser.parse(line));
        }
        return lines;
    }

    private void assertPlainAboveL3(String model, String... sizes) {
        List<String> args = new ArrayList<>(List.of("benchmark", "--model", model));
        args.addAll(List.of(sizes));
        args.addAll(List.of("--levels", "plain,L3", "--iterations", "3", "--warmup", "1", "--json", "--no-fresh-jvm"));
        assertEquals(0, run(args.toArray(String[]::new)), err.toString());
        List<Map<String, Object>> lines = jsonLines();
        assertEquals(2, lines.size(), out.toString());
        Map<String, Object> plain = lines.get(0);
        Map<String, Object> l3 = lines.get(1);
        for (Map<String, Object> line : lines) {
            assertEquals(model, line.get("model"));
            assertTrue(line.containsKey("image_size"), line.toString());
            assertNull(line.get("image_size"));
            assertTrue(((Number) line.get("ips")).doubleValue() > 0, line.toString());
            for (String key : new String[] {"seq_len", "width", "batch", "activation_mb", "peak_mb", "state_mb",
                "total_peak_mb", "ms_per_step", "bits_avg", "malloc_tuned", "fresh_jvm"}) {
                assertTrue(line.containsKey(key), key + " in " + line);
            }
            assertTrue(!line.containsKey("error"), line.toString());
        }
        assertEquals("plain", plain.get("level"));
        assertEquals("L3", l3.get("level"));
        assertNull(plain.get("bits_avg"));
        double bits = ((Number) l3.get("bits_avg")).doubleValue();
        assertTrue(bits > 1 && bits < 3.5, "L3 stores about 2 bits per element: " + bits);
        if (ProcessMemory.isSupported()) {
            assertNotNull(plain.get("activation_mb"), plain.toString());
            assertNotNull(l3.get("activation_mb"), l3.toString());
            double plainMb = ((Number) plain.get("activation_mb")).doubleValue();
            double l3Mb = ((Number) l3.get("activation_mb")).doubleValue();
            assertTrue(l3Mb < plainMb / 2, model + " activation MB: plain " + plainMb + ", L3 " + l3Mb);
        }
    }

    @Test
    void bertTinyAtPlainAndL3() {
        assertPlainAboveL3("bert-tiny", "--seq-len", "64", "--width", "128", "--batch", "16");
        Map<String, Object> first = jsonLines().get(0);
        assertEquals(64L, first.get("seq_len"));
        assertEquals(128L, first.get("width"));
        assertEquals(16L, first.get("batch"));
    }

    @Test
    void transformerAtPlainAndL3() {
        assertPlainAboveL3("transformer", "--seq-len", "64", "--width", "128", "--heads", "2", "--batch", "16");
        assertEquals(64L, jsonLines().get(0).get("seq_len"));
    }

    @Test
    void optionsOfOtherModelsAreRejected() {
        assertEquals(2, run("benchmark", "--model", "mlp", "--batch", "8", "--seq-len", "64"));
        assertTrue(err.toString().contains("Option '--seq-len' does not apply to mlp: it is used by bert-tiny, transformer"),
                err.toString());
        assertEquals(2, run("benchmark", "--model", "bert-tiny", "--batch", "8", "--image-size", "32"));
        assertTrue(err.toString().contains("Option '--image-size' does not apply to bert-tiny: it is used by mlp, lenet,"),
                err.toString());
        assertEquals(2, run("benchmark", "--model", "bert-tiny", "--batch", "8", "--heads", "4"));
        assertTrue(err.toString().contains("it is used by transformer"), err.toString());
        assertEquals(2, run("benchmark", "--model", "transformer", "--batch", "8", "--vocab", "100"));
    }

    @Test
    void invalidSequenceSizesAreUsageErrors() {
        assertEquals(2, run("benchmark", "--model", "bert-tiny", "--batch", "8", "--width", "200"));
        assertTrue(err.toString().contains("width 200 must be a multiple of its 3 attention heads"), err.toString());
        assertEquals(2, run("benchmark", "--model", "transformer", "--batch", "8", "--width", "100", "--heads", "3"));
        assertTrue(err.toString().contains("width 100 must be a multiple of the 3 attention heads"), err.toString());
        assertEquals(2, run("benchmark", "--model", "transformer", "--batch", "8", "--seq-len", "0"));
        assertTrue(err.toString().contains("Invalid value for option '--seq-len': 0 (must be >= 1)"), err.toString());
        assertEquals(2, run("benchmark", "--model", "bert-tiny", "--batch", "8", "--classes", "1"));
        assertEquals(2, run("benchmark", "--model", "gpt2", "--batch", "8"));
        assertTrue(err.toString().contains("bert-tiny, transformer"), err.toString());
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
