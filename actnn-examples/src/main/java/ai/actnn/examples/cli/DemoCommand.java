package ai.actnn.examples.cli;

import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.examples.report.Charts;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.Series;
import ai.actnn.examples.report.Units;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.examples.train.EpochResult;
import ai.actnn.examples.train.TrainingOptions;
import ai.actnn.examples.train.TrainingResult;
import ai.actnn.examples.train.TrainingRunner;
import ai.actnn.memory.ProcessMemory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code actnn demo}: trains LeNet (or another MNIST model, e.g. the rows-as-sequence transformer)
 * on real MNIST at L0 (exact) and L3 (2-bit activations) for a short fixed budget and compares
 * activation memory, peak memory, throughput and test accuracy.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "ai.actnn.examples.cli.DemoCommand",
        description = {
            "Train LeNet (or --model) on real MNIST at L0 (no compression) and L3 (2-bit activations)"
                    + " for a few minutes on the CPU; print memory, speed and accuracy and write a chart.",
        })
public final class DemoCommand implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(DemoCommand.class);

    private final LevelSetup levelSetup;

    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = "lenet", paramLabel = "NAME",
            description = "Model: mlp, lenet, resnet18 or transformer (MNIST rows as a sequence)"
                    + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--out", defaultValue = "actnn-demo.png", paramLabel = "FILE",
            description = "Chart to write (default: ./${DEFAULT-VALUE}).")
    Path out;

    @Mixin LevelsOption levels;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "E",
            description = "Epochs per level (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin RecipeOptions recipe;

    @Mixin DataOptions data;

    @Mixin SeedOption seed;

    /**
     * Creates the command.
     *
     * @param levelSetup how trainers are created for a level
     */
    public DemoCommand(LevelSetup levelSetup) {
        this.levelSetup = Objects.requireNonNull(levelSetup, "levelSetup");
    }

    @Override
    public Integer call() throws IOException {
        String modelName = OptionChecks.oneOf(spec, "--model", model, TrainCommand.MODELS);
        List<String> levelNames = levels.canonical();
        OptionChecks.positive(spec, "--epochs", epochs);
        int batch = recipe.batch();
        float learningRate = recipe.learningRate();
        if (ProcessMemory.isSupported() && !ProcessMemory.mallocTuned()) {
            logger.warn("{}", ProcessMemory.mallocWarning());
        }
        MnistData mnist = data.load(seed.value());
        TrainingRunner runner = new TrainingRunner(levelSetup, new ConsoleProgress());
        Map<String, TrainingResult> results = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (String level : levelNames) {
            logger.info("demo: {} at {} for {} epochs of batch {}", modelName, level, epochs, batch);
            try {
                TrainingOptions options =
                        new TrainingOptions(modelName, level, epochs, batch, learningRate, seed.value(), 0);
                results.put(level, runner.run(options, mnist, e -> { }));
            } catch (RuntimeException e) {
                logger.debug("demo level {} failed", level, e);
                failures.put(level, Main.message(e));
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(title(modelName) + " on " + mnist.description());
        stdout.print(table(levelNames, results, failures).render());
        stdout.flush();
        if (!results.isEmpty()) {
            writeChart(title(modelName), batch, results);
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            spec.commandLine().getErr().println("level " + f.getKey() + " failed: " + f.getValue());
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private static ConsoleTable table(List<String> levels, Map<String, TrainingResult> results,
            Map<String, String> failures) {
        ConsoleTable table = new ConsoleTable(
                "level", "saved MB", "activation MB", "peak MB", "images/s", "test acc %", "note");
        for (String level : levels) {
            TrainingResult r = results.get(level);
            if (r == null) {
                table.addRow(level, null, null, null, null, null, "failed: " + failures.get(level));
                continue;
            }
            EpochResult last = last(r);
            table.addRow(level, Units.preciseMb(last.savedBytes()), Units.mbOrNull(last.activationBytes()),
                    Units.mbOrNull(last.peakBytes()), last.imagesPerSecond(),
                    String.format("%.2f", 100 * last.testAccuracy()), "");
        }
        String reference = levels.get(0);
        TrainingResult ref = results.get(reference);
        for (String level : levels.subList(1, levels.size())) {
            TrainingResult r = results.get(level);
            if (ref == null || r == null) {
                continue;
            }
            EpochResult a = last(ref);
            EpochResult b = last(r);
            table.addRow(reference + "/" + level, ratio(a.savedBytes(), b.savedBytes()),
                    ratio(a.activationBytes(), b.activationBytes()), ratio(a.peakBytes(), b.peakBytes()),
                    ratio(a.imagesPerSecond(), b.imagesPerSecond()),
                    String.format("%+.2f", 100 * (a.testAccuracy() - b.testAccuracy())), "ratios; accuracy in points");
        }
        return table;
    }

    private void writeChart(String title, int batch, Map<String, TrainingResult> results) throws IOException {
        List<String> names = new ArrayList<>(results.keySet());
        double[] activation = names.stream().mapToDouble(l -> last(results.get(l)).activationBytes()
                / Units.BYTES_PER_MB).toArray();
        double[] peak = names.stream().mapToDouble(l -> last(results.get(l)).peakBytes() / Units.BYTES_PER_MB).toArray();
        double[] saved = names.stream().mapToDouble(l -> Math.max(0, last(results.get(l)).savedBytes())
                / Units.BYTES_PER_MB).toArray();
        Map<String, double[]> memory = new LinkedHashMap<>();
        memory.put("kept for backward (engine count)", saved);
        memory.put("activation (resident set)", activation);
        memory.put("peak", peak);
        List<Series> accuracy = new ArrayList<>();
        for (String level : names) {
            TrainingResult r = results.get(level);
            accuracy.add(new Series(level,
                    IntStream.rangeClosed(1, r.epochs().size()).asDoubleStream().toArray(), r.testAccuracyPercent()));
        }
        Charts.save(List.of(
                Charts.memoryBars(title + " on MNIST, batch " + batch + ": memory per step", "memory (MB)",
                        names, memory),
                Charts.accuracy(title + " on MNIST: test accuracy", accuracy)), out);
        logger.info("chart written to {}", out.toAbsolutePath());
    }

    private static String title(String modelName) {
        return "lenet".equals(modelName) ? "LeNet" : modelName;
    }

    private static EpochResult last(TrainingResult r) {
        return r.epochs().get(r.epochs().size() - 1);
    }

    private static String ratio(double a, double b) {
        return a > 0 && b > 0 ? String.format("%.1fx", a / b) : null;
    }
}
