package ai.actnn.examples.cli;

import ai.actnn.examples.bench.BenchmarkCharts;
import ai.actnn.examples.bench.BenchmarkConfig;
import ai.actnn.examples.bench.BenchmarkResult;
import ai.actnn.examples.bench.BenchmarkRunner;
import ai.actnn.examples.bench.ByteSize;
import ai.actnn.examples.bench.ChildJvm;
import ai.actnn.examples.bench.MaxBatchLine;
import ai.actnn.examples.bench.MaxBatchSearch;
import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.examples.models.ModelCatalog;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.JsonLineWriter;
import ai.actnn.examples.report.Units;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.memory.ProcessMemory;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code actnn benchmark}: memory and speed of training steps per (model, level, batch), and
 * optionally the largest batch that fits a memory budget per level.
 *
 * <p>Each configuration runs in a fresh child JVM by default: measured in one JVM, memory figures
 * of later configurations are polluted by earlier ones (see {@link #DEFAULT_FRESH_JVM}).
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "ai.actnn.examples.cli.BenchmarkCommand",
        description = {
            "Measure activation memory, peak memory and throughput of training steps on random"
                    + " inputs (images, token ids or feature sequences), one JSON object per (model, level, batch).",
            "activation_mb = RSS after forward - RSS before the step; peak_mb = VmHWM - RSS before;"
                    + " state_mb = weights, gradients, optimizer state and batch;"
                    + " total_peak_mb = state_mb + peak_mb (compared with --memory-budget);"
                    + " ips = batch / median step time after warm-up (images or sequences per second);"
                    + " image_size is null for sequence models, seq_len and width for image models."
        })
public final class BenchmarkCommand implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(BenchmarkCommand.class);

    /**
     * Whether configurations run in child JVMs unless {@code --no-fresh-jvm} is given. Decided by
     * experiment with plain DJL ResNet-18 (32x32, batches 64, 16, 32): measured one after another
     * in one JVM, activation_mb and peak_mb agreed with fresh JVMs to within 0.2 MB and 2 MB, but
     * state_mb of the second and third configurations came out 13.7 and 33.1 MB instead of 52-53
     * MB: memory left behind by earlier configurations was released during later ones and so was
     * subtracted from their baseline. total_peak_mb (state + peak), which {@code --find-max-batch}
     * compares with the budget, is therefore exact only in a fresh JVM.
     */
    static final boolean DEFAULT_FRESH_JVM = true;

    private final LevelSetup levelSetup;

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, split = ",", paramLabel = "NAME",
            description = "Models, comma-separated: mlp, lenet, resnet18, resnet34, resnet50 (random images),"
                    + " bert-tiny (random token ids), transformer (random feature sequences).")
    List<String> models;

    @Mixin ModelSizeOptions sizes;

    @Option(names = "--batch", required = true, split = ",", paramLabel = "B",
            description = "Batch sizes, comma-separated (with --find-max-batch: the smallest one"
                    + " starts the search).")
    List<Integer> batches;

    @Mixin LevelsOption levels;

    @Mixin TimingOptions timing;

    @Mixin SeedOption seed;

    @Mixin JsonOption json;

    @Option(names = "--find-max-batch",
            description = "Per level, search the largest batch whose total_peak_mb fits --memory-budget.")
    boolean findMaxBatch;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "Memory budget for --find-max-batch, e.g. 4GiB, 512MiB, 1e9.")
    Long memoryBudget;

    @Option(names = "--batch-limit", defaultValue = "8192", paramLabel = "B",
            description = "Largest batch --find-max-batch may try (default: ${DEFAULT-VALUE}).")
    int batchLimit;

    @Option(names = "--chart", paramLabel = "FILE",
            description = "Write a PNG: throughput against batch size per level (max batches marked)"
                    + " and activation memory per level.")
    Path chart;

    @Option(names = "--fresh-jvm", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run each configuration in a child JVM for exact memory figures"
                    + " (default: ${DEFAULT-VALUE}; --no-fresh-jvm measures in this JVM).")
    boolean freshJvm = DEFAULT_FRESH_JVM;

    /**
     * Creates the command.
     *
     * @param levelSetup how trainers are created for a level
     */
    public BenchmarkCommand(LevelSetup levelSetup) {
        this.levelSetup = Objects.requireNonNull(levelSetup, "levelSetup");
    }

    @Override
    public Integer call() {
        List<String> modelNames = OptionChecks.allOneOf(spec, "--model", models, ModelCatalog.NAMES);
        List<ModelSpec> modelSpecs = sizes.specs(spec, modelNames);
        List<String> levelNames = levels.canonical();
        List<Integer> batchSizes = OptionChecks.positive(spec, "--batch", batches);
        int iterations = timing.iterations();
        int warmup = timing.warmup();
        validate();
        // ACTNN_MALLOC_TUNING=0 asks for speed as users get it: no warning about memory figures then
        if (ProcessMemory.isSupported() && !freshJvm && !ProcessMemory.mallocTuned() && ChildJvm.mallocTuning()) {
            logger.warn("{}", ProcessMemory.mallocWarning());
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonLineWriter jsonOut = new JsonLineWriter(out);
        List<BenchmarkResult> results = new ArrayList<>();
        Map<String, Map<String, Integer>> maxBatches = new LinkedHashMap<>();
        List<MaxBatchLine> searches = new ArrayList<>();
        for (ModelSpec model : modelSpecs) {
            for (String level : levelNames) {
                BenchmarkConfig base =
                        new BenchmarkConfig(model, level, batchSizes.get(0), iterations, warmup, seed.value());
                for (int b : batchSizes) {
                    BenchmarkResult r = measure(base.withBatch(b));
                    results.add(r);
                    if (json.enabled()) {
                        jsonOut.write(r.toJson());
                    }
                }
                if (findMaxBatch) {
                    MaxBatchLine search = findMaxBatch(base, batchSizes, results, maxBatches);
                    searches.add(search);
                    if (json.enabled()) {
                        jsonOut.write(search);
                    }
                }
            }
        }
        if (!json.enabled()) {
            out.print(resultTable(results).render());
            if (!searches.isEmpty()) {
                out.println();
                out.print(searchTable(searches).render());
            }
            out.flush();
        }
        if (chart != null) {
            writeCharts(modelNames, levelNames, batchSizes, results, maxBatches);
        }
        long failed = results.stream().filter(r -> !r.ok()).count();
        if (failed > 0) {
            spec.commandLine().getErr().println(failed + " of " + results.size() + " configurations failed");
            return 1;
        }
        return 0;
    }

    private void validate() {
        OptionChecks.positive(spec, "--batch-limit", batchLimit);
        if (findMaxBatch && memoryBudget == null) {
            throw OptionChecks.fail(spec, "--find-max-batch needs --memory-budget (e.g. --memory-budget 4GiB)");
        }
        if (!findMaxBatch && memoryBudget != null) {
            throw OptionChecks.fail(spec, "--memory-budget is only used with --find-max-batch");
        }
        if (findMaxBatch && !ProcessMemory.isSupported()) {
            throw OptionChecks.fail(spec, "--find-max-batch needs memory figures: " + ProcessMemory.unsupportedReason());
        }
        if (memoryBudget != null) {
            long physical = physicalMemory();
            if (physical > 0 && memoryBudget > physical) {
                logger.warn("memory budget {} exceeds this machine's memory ({}): probes may swap or be killed",
                        ByteSize.format(memoryBudget), ByteSize.format(physical));
            }
        }
    }

    private BenchmarkResult measure(BenchmarkConfig config) {
        logger.info("benchmark {} ({}) {} batch {}{}", config.modelName(), config.model().size().describe(),
                config.level(), config.batch(),
                freshJvm ? " (fresh JVM)" : "");
        if (freshJvm) {
            return new ChildJvm(Main.class.getName()).run(config);
        }
        try {
            return new BenchmarkRunner(levelSetup, new ConsoleProgress()).run(config);
        } catch (RuntimeException e) {
            logger.debug("{} {} batch {} failed", config.modelName(), config.level(), config.batch(), e);
            return BenchmarkResult.failed(config, Main.message(e), false);
        }
    }

    private MaxBatchLine findMaxBatch(BenchmarkConfig base, List<Integer> batchSizes, List<BenchmarkResult> results,
            Map<String, Map<String, Integer>> maxBatches) {
        Map<Integer, BenchmarkResult> known = new LinkedHashMap<>();
        for (BenchmarkResult r : results) {
            if (r.model().equals(base.modelName()) && r.level().equals(base.level())) {
                known.put(r.batch(), r);
            }
        }
        int start = batchSizes.stream().mapToInt(Integer::intValue).min().orElse(1);
        MaxBatchSearch.Result search = MaxBatchSearch.search(start, memoryBudget, batchLimit, b -> {
            BenchmarkResult r = known.computeIfAbsent(b, x -> {
                BenchmarkResult probe = measure(base.withBatch(x));
                results.add(probe);
                return probe;
            });
            return r.totalPeakBytes();
        });
        maxBatches.computeIfAbsent(base.modelName(), m -> new LinkedHashMap<>()).put(base.level(), search.maxBatch());
        return MaxBatchLine.of(base.modelName(), base.level(), memoryBudget, search);
    }

    private void writeCharts(List<String> modelNames, List<String> levelNames, List<Integer> batchSizes,
            List<BenchmarkResult> results, Map<String, Map<String, Integer>> maxBatches) {
        for (String model : modelNames) {
            Path file = modelNames.size() == 1 ? chart : withSuffix(chart, "-" + model);
            try {
                boolean written = BenchmarkCharts.write(file, model, levelNames, batchSizes, results,
                        maxBatches.getOrDefault(model, Map.of()), findMaxBatch ? memoryBudget : -1);
                if (written) {
                    logger.info("chart written to {}", file.toAbsolutePath());
                } else {
                    logger.warn("no successful configuration of {}: no chart written", model);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write chart " + file, e);
            }
        }
    }

    static ConsoleTable resultTable(List<BenchmarkResult> results) {
        ConsoleTable table = new ConsoleTable("model", "level", "batch", "activation MB", "peak MB", "state MB",
                "samples/s", "ms/step", "bits", "saved MB", "error");
        for (BenchmarkResult r : results) {
            table.addRow(r.model(), r.level(), r.batch(), Units.mbOrNull(r.activationBytes()),
                    Units.mbOrNull(r.peakBytes()), Units.mbOrNull(r.stateBytes()), r.samplesPerSecond(),
                    r.msPerStep(), Double.isNaN(r.bitsAvg()) ? null : String.format("%.2f", r.bitsAvg()),
                    Units.mbOrNull(r.savedBytes()), r.error());
        }
        return table;
    }

    private static ConsoleTable searchTable(List<MaxBatchLine> searches) {
        ConsoleTable table = new ConsoleTable("model", "level", "max batch", "budget MB", "probes");
        for (MaxBatchLine s : searches) {
            table.addRow(s.model(), s.level(), s.maxBatch(), s.memoryBudgetMb(), s.probeBatches());
        }
        return table;
    }

    private static Path withSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String renamed = dot > 0 ? name.substring(0, dot) + suffix + name.substring(dot) : name + suffix;
        return file.resolveSibling(renamed);
    }

    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }
}
