package ai.actnn.examples.cli;

import ai.actnn.ActNN;
import ai.actnn.distributed.DistributedConfig;
import ai.actnn.distributed.ProcessGroup;
import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.examples.models.ModelCatalog;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.JsonLineWriter;
import ai.actnn.examples.report.Units;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.examples.train.EpochResult;
import ai.actnn.examples.train.TrainingOptions;
import ai.actnn.examples.train.TrainingResult;
import ai.actnn.examples.train.TrainingRunner;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/** {@code actnn train}: trains a model on MNIST at a level and reports test accuracy per epoch. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "ai.actnn.examples.cli.TrainCommand",
        description = {"Train a model on real MNIST at a level; print test accuracy per epoch.",
            "Under 'actnn launch' (WORLD_SIZE > 1) each process trains on its share of every batch of --batch"
                    + " samples; rank 0 prints the results and saves the checkpoints."})
public final class TrainCommand implements Callable<Integer> {

    static final List<String> DATASETS = List.of("mnist");
    static final List<String> MODELS = ModelCatalog.MNIST_NAMES;

    private final LevelSetup levelSetup;

    @Spec CommandSpec spec;

    @Option(names = "--dataset", defaultValue = "mnist", paramLabel = "NAME",
            description = "Dataset: mnist (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--model", required = true, paramLabel = "NAME",
            description = "Model: mlp, lenet, resnet18, or transformer (a 2-layer transformer encoder"
                    + " that reads each digit as a sequence of 28 rows of 28 pixels).")
    String model;

    @Option(names = "--level", required = true, paramLabel = "LEVEL",
            description = "plain (DJL without ActNN), L0..L5 or auto.")
    String level;

    @Option(names = "--epochs", required = true, paramLabel = "E", description = "Number of epochs.")
    int epochs;

    @Mixin RecipeOptions recipe;

    @Option(names = "--max-steps-per-epoch", defaultValue = "0", paramLabel = "N",
            description = "Stop each epoch after N steps, for quick runs (default: ${DEFAULT-VALUE}: the whole"
                    + " training set).")
    int maxStepsPerEpoch;

    @Option(names = "--sync-bn", paramLabel = "",
            description = "Batch norms compute their statistics over the whole batch of all processes"
                    + " (QSyncBatchNorm).")
    boolean syncBatchNorm;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Save the model's parameters there after each epoch (rank 0 only).")
    Path checkpointDir;

    @Mixin DataOptions data;

    @Mixin SeedOption seed;

    @Mixin JsonOption json;

    /**
     * Creates the command.
     *
     * @param levelSetup how trainers are created for a level
     */
    public TrainCommand(LevelSetup levelSetup) {
        this.levelSetup = Objects.requireNonNull(levelSetup, "levelSetup");
    }

    @Override
    public Integer call() {
        TrainingOptions options = validate();
        if (syncBatchNorm) {
            ActNN.setDefaultConfig(ActNN.getDefaultConfig().toBuilder().optSyncBatchNorm(true).build());
        }
        if (DistributedConfig.isRequested()) {
            try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
                return train(options, loadInTurn(group, options), group);
            }
        }
        return train(options, data.load(options.seed()), null);
    }

    /**
     * Rank 0 loads MNIST first (it may fetch and unpack it into the shared cache), the others
     * after it, so that no two processes write the cache at once.
     */
    private MnistData loadInTurn(ProcessGroup group, TrainingOptions options) {
        if (options.batchSize() % group.worldSize() != 0) {
            throw new IllegalArgumentException("--batch " + options.batchSize() + " is the batch of all "
                    + group.worldSize() + " processes together and must be a multiple of it");
        }
        if (!group.isMain()) {
            group.barrier();
            return data.load(options.seed());
        }
        try {
            return data.load(options.seed());
        } finally {
            group.barrier();
        }
    }

    private int train(TrainingOptions options, MnistData mnist, ProcessGroup group) {
        boolean main = group == null || group.isMain();
        PrintWriter out = spec.commandLine().getOut();
        JsonLineWriter jsonOut = new JsonLineWriter(out);
        TrainingRunner runner = new TrainingRunner(levelSetup,
                main ? new ConsoleProgress() : new ConsoleProgress(System.err, false));
        if (group != null) {
            runner = runner.distributed(group);
        }
        if (checkpointDir != null) {
            runner = runner.checkpoints(checkpointDir);
        }
        TrainingResult result = runner.run(options, mnist, epoch -> {
            if (json.enabled() && main) {
                jsonOut.write(epoch.toJson(options.model(), options.level()));
            }
        });
        if (!json.enabled() && main) {
            if (group != null) {
                out.printf("%d processes, %d samples per step in all, %d per process%n", group.worldSize(),
                        options.batchSize(), options.batchSize() / group.worldSize());
            }
            out.print(table(result).render());
            out.flush();
        }
        return 0;
    }

    private TrainingOptions validate() {
        OptionChecks.oneOf(spec, "--dataset", dataset, DATASETS);
        String m = OptionChecks.oneOf(spec, "--model", model, MODELS);
        String l = OptionChecks.level(spec, "--level", level);
        OptionChecks.positive(spec, "--epochs", epochs);
        int batch = recipe.batch();
        float learningRate = recipe.learningRate();
        OptionChecks.nonNegative(spec, "--max-steps-per-epoch", maxStepsPerEpoch);
        return new TrainingOptions(m, l, epochs, batch, learningRate, seed.value(), maxStepsPerEpoch);
    }

    static ConsoleTable table(TrainingResult result) {
        ConsoleTable table = new ConsoleTable("epoch", "train loss", "train acc %", "test acc %",
                "images/s", "seconds", "saved MB", "activation MB", "peak MB");
        for (EpochResult e : result.epochs()) {
            table.addRow(e.epoch(), String.format("%.4f", e.trainLoss()), 100 * e.trainAccuracy(),
                    String.format("%.2f", 100 * e.testAccuracy()), e.imagesPerSecond(),
                    e.seconds(), Units.preciseMb(e.savedBytes()), Units.mbOrNull(e.activationBytes()),
                    Units.mbOrNull(e.peakBytes()));
        }
        return table;
    }
}
