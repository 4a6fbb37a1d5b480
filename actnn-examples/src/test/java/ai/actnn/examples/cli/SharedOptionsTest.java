package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

import java.util.List;

/**
 * The options that several commands share through mixins: their validation, and the defaults and
 * help texts that each command sets in its resource bundle.
 */
class SharedOptionsTest {

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static DemoCommand demo(String... args) {
        return parse(new DemoCommand(new EngineLevelSetup()), args);
    }

    private static BenchmarkCommand benchmark(String... args) {
        return parse(new BenchmarkCommand(new EngineLevelSetup()), args);
    }

    private static QuantizerBenchCommand quantizerBench(String... args) {
        return parse(new QuantizerBenchCommand(), args);
    }

    @Test
    void levelsDefaultPerCommand() {
        assertEquals(List.of("plain", "L0", "L3"), demo().levels.canonical());
        assertEquals(List.of("plain", "L0", "L3"), benchmark("--model", "mlp", "--batch", "8").levels.canonical());
    }

    @Test
    void levelsAreCanonicalAndWithoutDuplicates() {
        assertEquals(List.of("L3", "plain", "auto"), demo("--levels", "l3,L3,PLAIN,Auto").levels.canonical());
    }

    @Test
    void unknownLevelsNameTheValueAndTheAllowedOnes() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> demo("--levels", "L0,L9").levels.canonical());
        assertEquals("Invalid value for option '--levels': Unknown level 'L9': allowed are"
                + " plain, L0, L1, L2, L3, L4, L5, auto", e.getMessage());
    }

    @Test
    void recipeDefaultsAreThoseOfTheAccuracyTable() {
        RecipeOptions recipe = demo().recipe;
        assertEquals(64, recipe.batch());
        assertEquals(0.001f, recipe.learningRate());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0.1", "NaN", "Infinity"})
    void learningRatesMustBeFiniteAndPositive(String rate) {
        RecipeOptions recipe = demo("--lr", rate).recipe;
        ParameterException e = assertThrows(ParameterException.class, recipe::learningRate);
        assertEquals("Invalid value for option '--lr': " + Float.parseFloat(rate) + " (must be > 0)", e.getMessage());
    }

    @Test
    void batchSizesMustBePositive() {
        ParameterException e = assertThrows(ParameterException.class, () -> demo("--batch", "0").recipe.batch());
        assertEquals("Invalid value for option '--batch': 0 (must be >= 1)", e.getMessage());
    }

    @Test
    void timingDefaultsPerCommand() {
        TimingOptions bench = benchmark("--model", "mlp", "--batch", "8").timing;
        assertEquals(10, bench.iterations());
        assertEquals(2, bench.warmup());
        TimingOptions quantizer = quantizerBench().timing;
        assertEquals(50, quantizer.iterations());
        assertEquals(20, quantizer.warmup());
    }

    @Test
    void timingNeedsAnIterationAndNoNegativeWarmup() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> quantizerBench("--iterations", "0").timing.iterations());
        assertEquals("Invalid value for option '--iterations': 0 (must be >= 1)", e.getMessage());
        e = assertThrows(ParameterException.class, () -> quantizerBench("--warmup", "-1").timing.warmup());
        assertEquals("Invalid value for option '--warmup': -1 (must be >= 0)", e.getMessage());
        assertEquals(0, quantizerBench("--warmup", "0").timing.warmup());
    }

    @Test
    void seedAndJsonParse() {
        BenchmarkCommand command = benchmark("--model", "mlp", "--batch", "8", "--seed", "7", "--json");
        assertEquals(7, command.seed.value());
        assertTrue(command.json.enabled());
        BenchmarkCommand defaults = benchmark("--model", "mlp", "--batch", "8");
        assertEquals(42, defaults.seed.value());
        assertFalse(defaults.json.enabled());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "demo            | Seed (default: 42).",
        "demo            | Levels to compare; the first is the reference of the ratios (default: plain,L0,L3).",
        "train           | Seed of initialization, shuffling and the data split (default: 42).",
        "train           | Print one JSON object per epoch instead of a table.",
        "data            | Seed of the npm train/test split (default: 42).",
        "data            | Print one JSON object instead of a table.",
        "benchmark       | (default: plain,L0,L3).",
        "benchmark       | Measured steps per configuration (default: 10).",
        "benchmark       | Print one JSON object per line instead of a table.",
        "quantizer-bench | Timed iterations per operation; the median is reported (default: 50).",
        "quantizer-bench | Untimed iterations before them (default: 20).",
        "quantizer-bench | Print one JSON object per operation instead of a table.",
    })
    void eachCommandDescribesTheSharedOptionsInItsOwnWords(String command, String text) {
        Cli cli = new Cli();
        assertEquals(0, cli.run(command, "--help"));
        // picocli wraps long descriptions: compare with the line breaks and indentation folded
        assertTrue(cli.out().replaceAll("\\s+", " ").contains(text), cli.out());
    }
}
