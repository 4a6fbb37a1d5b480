package ai.actnn.examples.cli;

import ai.actnn.examples.bench.AlternatingSpeed;
import ai.actnn.examples.bench.BenchmarkConfig;
import ai.actnn.examples.bench.BenchmarkResult;
import ai.actnn.examples.bench.ByteSize;
import ai.actnn.examples.bench.ChildJvm;
import ai.actnn.examples.bench.MaxBatchSearch;
import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.models.ModelCatalog;
import ai.actnn.examples.models.ModelSpec;
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

import org.knowm.xchart.internal.chartpart.Chart;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code actnn demo}: trains a small CNN (or another MNIST model, e.g. the rows-as-sequence
 * transformer) on real MNIST with plain DJL, at L0 (exact) and at L3 (2-bit activations) for a short
 * fixed budget and compares activation memory, peak memory, throughput and test accuracy against
 * plain DJL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "ai.actnn.examples.cli.DemoCommand",
        description = {
            "Train a small CNN (or --model) on real MNIST with plain DJL, at L0 (no compression) and at L3"
                    + " (2-bit activations) for a few minutes on the CPU; print memory, speed and accuracy"
                    + " against plain DJL and write a chart.",
        })
public final class DemoCommand implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(DemoCommand.class);

    /** Steps measured per speed run (after {@link #SPEED_WARMUP}): a few are enough for a median. */
    private static final int SPEED_ITERATIONS = 8;

    /**
     * Steps run before a speed run's measured ones: the first 15-20 steps of a JVM are slower
     * while the JIT compiles the quantizer's vector code, a one-time cost that a training run of
     * thousands of steps does not feel, so speed is compared after it.
     */
    private static final int SPEED_WARMUP = 20;

    /** Steps measured for the memory figures at the demo's batch; their median is reported. */
    private static final int MEMORY_ITERATIONS = 3;

    private static final int MEMORY_WARMUP = 1;

    /** The largest batch the search tries: MNIST's training split is 8,000 digits here. */
    private static final int MAX_BATCH_LIMIT = 8192;

    private static final double MAX_BATCH_PRECISION = 0.1;

    private final LevelSetup levelSetup;

    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = "convnet", paramLabel = "NAME",
            description = "Model: mlp, lenet, convnet, resnet18 or transformer (MNIST rows as a sequence)"
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

    @Option(names = "--speed-rounds", defaultValue = "3", paramLabel = "R",
            description = "Rounds of the speed comparison: the levels train a few steps back to back in fresh"
                    + " JVMs, R times, and the median of the rounds' ratios is printed; 0 skips it"
                    + " (default: ${DEFAULT-VALUE}).")
    int speedRounds;

    @Option(names = "--memory-budget", defaultValue = "256MiB", paramLabel = "SIZE",
            converter = ByteSizeConverter.class,
            description = "Budget in which each level's largest batch is searched (to 10%%), in fresh JVMs"
                    + " (default: ${DEFAULT-VALUE}).")
    long memoryBudget;

    @Option(names = "--max-batch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Search each level's largest batch in --memory-budget (default: ${DEFAULT-VALUE}).")
    boolean maxBatch = true;

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
        if (speedRounds < 0) {
            throw OptionChecks.fail(spec, "--speed-rounds must be >= 0, not " + speedRounds);
        }
        if (memoryBudget < 1) {
            throw OptionChecks.fail(spec, "--memory-budget must be positive, not " + memoryBudget);
        }
        int batch = recipe.batch();
        float learningRate = recipe.learningRate();
        MnistData mnist = data.load(seed.value());
        // Training runs here as users train (glibc's default allocator: fast); every memory
        // figure comes from fresh JVMs with the allocator tuned so that the resident set follows
        // live tensors, and speed from fresh JVMs run as users run, alternating levels.
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
        ModelSpec modelSpec = ModelCatalog.mnist(modelName, mnist.train().rows(), mnist.train().cols());
        Map<String, BenchmarkResult> memory = new LinkedHashMap<>();
        Map<String, Integer> maxBatches = new LinkedHashMap<>();
        if (ProcessMemory.isSupported()) {
            ChildJvm exactMemory = new ChildJvm(Main.class.getName(), true);
            for (String level : levelNames) {
                logger.info("demo: memory of {} at {}, batch {} (fresh JVM)", modelName, level, batch);
                BenchmarkConfig config = new BenchmarkConfig(
                        modelSpec, level, batch, MEMORY_ITERATIONS, MEMORY_WARMUP, seed.value());
                BenchmarkResult measured = exactMemory.run(config);
                memory.put(level, measured);
                if (maxBatch && measured.ok()) {
                    logger.info("demo: largest batch of {} at {} in {}", modelName, level,
                            ByteSize.format(memoryBudget));
                    Map<Integer, Long> known = new HashMap<>(Map.of(batch, measured.totalPeakBytes()));
                    BenchmarkConfig probe = new BenchmarkConfig(modelSpec, level, batch, 1, 1, seed.value());
                    MaxBatchSearch.Result found = MaxBatchSearch.search(batch, memoryBudget, MAX_BATCH_LIMIT,
                            MAX_BATCH_PRECISION, b -> known.computeIfAbsent(
                                    b, x -> exactMemory.run(probe.withBatch(x)).totalPeakBytes()));
                    maxBatches.put(level, found.maxBatch());
                }
            }
        } else {
            logger.warn("no memory figures: {}", ProcessMemory.unsupportedReason());
        }
        Map<String, AlternatingSpeed.Ratio> speed = new LinkedHashMap<>();
        if (speedRounds > 0 && levelNames.size() > 1) {
            logger.info("demo: speed, {} rounds of {} in fresh JVMs", speedRounds, levelNames);
            BenchmarkConfig base = new BenchmarkConfig(
                    modelSpec, levelNames.get(0), batch, SPEED_ITERATIONS, SPEED_WARMUP, seed.value());
            ChildJvm asUsersRun = new ChildJvm(Main.class.getName(), false);
            for (AlternatingSpeed.Ratio r : AlternatingSpeed.measure(base, levelNames, speedRounds, asUsersRun::run)) {
                speed.put(r.level(), r);
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(title(modelName) + " on " + mnist.description());
        stdout.print(table(levelNames, results, failures, memory, maxBatches).render());
        stdout.println();
        stdout.print(comparison(levelNames, results, memory, speed, maxBatches).render());
        stdout.flush();
        if (!results.isEmpty()) {
            writeChart(title(modelName), batch, results, memory);
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            spec.commandLine().getErr().println("level " + f.getKey() + " failed: " + f.getValue());
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private ConsoleTable table(List<String> levels, Map<String, TrainingResult> results,
            Map<String, String> failures, Map<String, BenchmarkResult> memory, Map<String, Integer> maxBatches) {
        ConsoleTable table = new ConsoleTable("level", "saved MB", "activation MB", "peak MB",
                "max batch in " + ByteSize.format(memoryBudget), "test acc %", "note");
        for (String level : levels) {
            TrainingResult r = results.get(level);
            BenchmarkResult m = memory.get(level);
            boolean measured = m != null && m.ok();
            table.addRow(level,
                    measured ? Units.preciseMb(m.savedBytes()) : null,
                    measured ? Units.mbOrNull(m.activationBytes()) : null,
                    measured ? Units.mbOrNull(m.peakBytes()) : null,
                    maxBatches.get(level),
                    r == null ? null : String.format("%.2f", 100 * last(r).testAccuracy()),
                    r == null ? "failed: " + failures.get(level) : m != null && !m.ok() ? "memory: " + m.error() : "");
        }
        return table;
    }

    /**
     * Each level against the first (plain DJL by default), in the terms a user compares: memory
     * as "times less", the largest batch as "times more", speed as the median of alternating
     * rounds (a single pair of runs is too noisy to print), accuracy in points.
     */
    private static ConsoleTable comparison(List<String> levels, Map<String, TrainingResult> results,
            Map<String, BenchmarkResult> memory, Map<String, AlternatingSpeed.Ratio> speed,
            Map<String, Integer> maxBatches) {
        String reference = levels.get(0);
        ConsoleTable table = new ConsoleTable("vs " + reference, "activation", "peak", "max batch",
                "speed (median)", "speed per round", "test acc");
        TrainingResult refRun = results.get(reference);
        BenchmarkResult refMemory = memory.get(reference);
        for (String level : levels.subList(1, levels.size())) {
            TrainingResult run = results.get(level);
            BenchmarkResult m = memory.get(level);
            boolean both = refMemory != null && refMemory.ok() && m != null && m.ok();
            AlternatingSpeed.Ratio s = speed.get(level);
            table.addRow(level,
                    both ? less(refMemory.activationBytes(), m.activationBytes()) : null,
                    both ? less(refMemory.peakBytes(), m.peakBytes()) : null,
                    more(maxBatches.get(reference), maxBatches.get(level)),
                    s == null || Double.isNaN(s.median()) ? null : String.format("%.2fx", s.median()),
                    s == null ? null : s.perRound().stream().map(x -> String.format("%.2f", x)).toList().toString(),
                    refRun == null || run == null
                            ? null
                            : String.format("%+.2f points", 100 * (last(run).testAccuracy() - last(refRun).testAccuracy())));
        }
        return table;
    }

    private void writeChart(String title, int batch, Map<String, TrainingResult> results,
            Map<String, BenchmarkResult> memory) throws IOException {
        List<String> names = new ArrayList<>(results.keySet());
        List<String> measured = names.stream().filter(l -> memory.containsKey(l) && memory.get(l).ok()).toList();
        Map<String, double[]> bars = new LinkedHashMap<>();
        bars.put("kept for backward (engine count)", measured.stream()
                .mapToDouble(l -> Math.max(0, memory.get(l).savedBytes()) / Units.BYTES_PER_MB).toArray());
        bars.put("activation (resident set)", measured.stream()
                .mapToDouble(l -> Math.max(0, memory.get(l).activationBytes()) / Units.BYTES_PER_MB).toArray());
        bars.put("peak", measured.stream()
                .mapToDouble(l -> Math.max(0, memory.get(l).peakBytes()) / Units.BYTES_PER_MB).toArray());
        List<Series> accuracy = new ArrayList<>();
        for (String level : names) {
            TrainingResult r = results.get(level);
            accuracy.add(new Series(level,
                    IntStream.rangeClosed(1, r.epochs().size()).asDoubleStream().toArray(), r.testAccuracyPercent()));
        }
        List<Chart<?, ?>> charts = new ArrayList<>();
        if (!measured.isEmpty()) {
            charts.add(Charts.memoryBars(title + " on MNIST, batch " + batch + ": memory per step", "memory (MB)",
                    measured, bars));
        }
        charts.add(Charts.accuracy(title + " on MNIST: test accuracy", accuracy));
        Charts.save(charts, out);
        logger.info("chart written to {}", out.toAbsolutePath());
    }

    private static String title(String modelName) {
        return switch (modelName) {
            case "lenet" -> "LeNet";
            case "convnet" -> "CNN";
            default -> modelName;
        };
    }

    private static EpochResult last(TrainingResult r) {
        return r.epochs().get(r.epochs().size() - 1);
    }

    private static String less(double reference, double level) {
        return reference > 0 && level > 0 ? String.format("%.1fx less", reference / level) : null;
    }

    private static String more(Integer reference, Integer level) {
        return reference != null && level != null && reference > 0 && level > 0
                ? String.format("%.1fx", (double) level / reference)
                : null;
    }
}
