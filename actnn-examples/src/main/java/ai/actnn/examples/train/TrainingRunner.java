package ai.actnn.examples.train;

import ai.actnn.distributed.DistributedSampler;
import ai.actnn.distributed.DistributedTraining;
import ai.actnn.distributed.ProcessGroup;
import ai.actnn.examples.data.MnistArrays;
import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.examples.models.ModelCatalog;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.memory.ProcessMemory;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a model of {@link ModelCatalog#MNIST_NAMES} on MNIST at one level and measures each epoch: training
 * loss and accuracy, test accuracy, throughput (median step time after warm-up) and, on Linux,
 * activation and peak memory of the steps ({@link ProcessMemory}).
 *
 * <p>The loop is explicit (shuffled batches, {@link TrainingStep} per batch, evaluation after each
 * epoch) so that memory can be read between the forward and the backward pass; it creates its
 * gradient collectors through the trainer exactly as {@code EasyTrain} does. The model's {@link
 * ModelSpec} says how it takes an image: image models as {@code (1, 28, 28)}, the transformer as a
 * sequence of 28 rows of 28 pixels {@code (28, 28)}; the images are reshaped accordingly, and the
 * loop is the same for every model.
 *
 * <p>In data-parallel training ({@link #distributed}) every process runs this loop on its share
 * of each global batch of {@code batchSize} samples ({@link DistributedSampler}); the trainer is
 * one replica of the group's job; the epoch's loss and accuracy are summed over the processes;
 * every process evaluates the whole test set with the same parameters.
 */
public final class TrainingRunner {

    private static final Logger logger = LoggerFactory.getLogger(TrainingRunner.class);

    private static final int WARMUP_STEPS = 2;
    private static final int EVAL_BATCH = 500;

    private final LevelSetup levelSetup;
    private final ConsoleProgress progress;
    private final ProcessGroup group;
    private final Path checkpointDir;

    /**
     * Creates a runner.
     *
     * @param levelSetup creates the trainer for a level
     * @param progress the progress bar to draw
     */
    public TrainingRunner(LevelSetup levelSetup, ConsoleProgress progress) {
        this(levelSetup, progress, null, null);
    }

    private TrainingRunner(LevelSetup levelSetup, ConsoleProgress progress, ProcessGroup group, Path checkpointDir) {
        this.levelSetup = Objects.requireNonNull(levelSetup, "levelSetup");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.group = group;
        this.checkpointDir = checkpointDir;
    }

    /**
     * Returns a runner that trains as one process of a data-parallel job.
     *
     * @param processes the job's processes
     * @return the runner
     */
    public TrainingRunner distributed(ProcessGroup processes) {
        return new TrainingRunner(levelSetup, progress, Objects.requireNonNull(processes, "processes"), checkpointDir);
    }

    /**
     * Returns a runner that saves the model's parameters after each epoch (on rank 0 only in
     * data-parallel training).
     *
     * @param dir the directory
     * @return the runner
     */
    public TrainingRunner checkpoints(Path dir) {
        return new TrainingRunner(levelSetup, progress, group, dir);
    }

    /**
     * Trains and evaluates.
     *
     * @param options what to train
     * @param data the MNIST splits
     * @param onEpoch called after each epoch (to print it at once)
     * @return the per-epoch results
     * @throws IllegalStateException if the level cannot be set up (e.g. the engine is not wired)
     */
    public TrainingResult run(TrainingOptions options, MnistData data, Consumer<EpochResult> onEpoch) {
        Engine.getInstance().setRandomSeed((int) options.seed());
        MnistArrays train = data.train();
        ModelSpec spec = ModelCatalog.mnist(options.model(), train.rows(), train.cols());
        Shape exampleShape = exampleShape(spec);
        boolean measure = ProcessMemory.isSupported();
        List<EpochResult> epochs = new ArrayList<>();
        try (Model model = Model.newInstance(options.model() + "-" + options.level());
                Trainer trainer = levelSetup.newTrainer(
                        options.level(), spec.build(), model, TrainingConfigs.adam(options.learningRate()));
                NDManager dataManager = trainer.getManager().newSubManager()) {
            trainer.initialize(spec.inputShapes(options.batchSize()));
            ArrayDataset trainSet;
            if (group == null) {
                trainSet = train.toDataset(dataManager, exampleShape, options.batchSize(), true, true);
            } else {
                if (!(trainer instanceof ActNNTrainer)) {
                    throw new IllegalArgumentException("distributed training runs at an ActNN level (L0..L5 or auto),"
                            + " not " + options.level());
                }
                DistributedTraining.attach((ActNNTrainer) trainer, group);
                trainSet = train.toDataset(dataManager, exampleShape, new DistributedSampler(options.batchSize(), true,
                        options.seed(), group.rank(), group.worldSize()));
            }
            ArrayDataset testSet = data.test().toDataset(dataManager, exampleShape, EVAL_BATCH, false, false);
            long steps = trainSet.size() / options.batchSize();
            if (options.maxStepsPerEpoch() > 0) {
                steps = Math.min(steps, options.maxStepsPerEpoch());
            }
            if (steps == 0) {
                throw new IllegalArgumentException("batch size " + options.batchSize()
                        + " is larger than the training set (" + trainSet.size() + " images)");
            }
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                EpochResult result = trainEpoch(trainer, trainSet, testSet, options, epoch, steps, measure);
                epochs.add(result);
                logger.debug("epoch {}: {}", epoch, result);
                onEpoch.accept(result);
                if (checkpointDir != null && (group == null || group.isMain())) {
                    model.setProperty("Epoch", Integer.toString(epoch));
                    model.save(checkpointDir, model.getName());
                    logger.info("saved {} after epoch {} in {}", model.getName(), epoch, checkpointDir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot iterate the dataset: " + e.getMessage(), e);
        }
        return new TrainingResult(options.model(), options.level(), epochs);
    }

    /** Returns the shape of one example of a model that takes one image-like input. */
    private static Shape exampleShape(ModelSpec spec) {
        Shape[] inputs = spec.inputShapes(1);
        if (inputs.length != 1 || spec.classes() != MnistArrays.CLASSES) {
            throw new IllegalArgumentException(spec.name() + " does not classify images into "
                    + MnistArrays.CLASSES + " digits: it takes " + inputs.length + " inputs and has "
                    + spec.classes() + " classes");
        }
        return inputs[0].slice(1);
    }

    private EpochResult trainEpoch(Trainer trainer, ArrayDataset trainSet, ArrayDataset testSet,
            TrainingOptions options, int epoch, long steps, boolean measure)
            throws IOException, TranslateException {
        progress.start(String.format("%s %s epoch %d/%d", options.model(), options.level(), epoch,
                options.epochs()), steps);
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        long totalNanos = 0;
        long peak = measure ? 0 : -1;
        List<Long> timed = new ArrayList<>();
        List<Long> activations = new ArrayList<>();
        int step = 0;
        for (Batch batch : trainer.iterateDataset(trainSet)) {
            try (batch) {
                if (step >= steps) {
                    break;
                }
                StepResult r = TrainingStep.run(trainer, batch.getData(), batch.getLabels(), measure);
                lossSum += r.loss();
                correct += r.correct();
                seen += batch.getSize();
                totalNanos += r.nanos();
                if (epoch > 1 || step >= WARMUP_STEPS) {
                    // warm-up steps allocate one-off state (optimizer moments, kernels): skip them
                    timed.add(r.nanos());
                    if (r.memory() != null) {
                        activations.add(r.memory().retainedBytes());
                        peak = Math.max(peak, r.memory().peakBytes());
                    }
                }
                step++;
                progress.update(step, String.format("loss %.3f", lossSum / step));
            }
        }
        progress.end();
        if (group != null) {
            // the epoch's figures over the whole job, not this process's share
            try (NDManager m = NDManager.newBaseManager();
                    NDArray sums = m.create(new double[] {lossSum, correct, seen})) {
                group.allReduceSum(sums);
                double[] total = sums.toDoubleArray();
                lossSum = total[0] / group.worldSize();
                correct = Math.round(total[1]);
                seen = Math.round(total[2]);
            }
        }
        double medianNanos = Medians.of(timed);
        if (timed.isEmpty()) {
            medianNanos = (double) totalNanos / Math.max(1, step);
        }
        long activation = activations.isEmpty()
                ? -1
                : Math.round(Medians.of(activations));
        if (activations.isEmpty()) {
            peak = -1;
        }
        long saved = levelSetup.savedBytes(trainer).orElse(-1);
        double testAccuracy = evaluate(trainer, testSet);
        return new EpochResult(epoch, lossSum / Math.max(1, step), (double) correct / Math.max(1, seen),
                testAccuracy, options.batchSize() * 1e9 / medianNanos, totalNanos / 1e9, activation, peak, saved);
    }

    /**
     * Returns the fraction of a dataset that the trainer's model classifies right (inference mode:
     * BatchNorm uses its running statistics).
     *
     * @param trainer the trainer
     * @param testSet the dataset
     * @return the accuracy in [0, 1]
     * @throws IOException if the dataset cannot be read
     * @throws TranslateException if a batch cannot be built
     */
    public static double evaluate(Trainer trainer, ArrayDataset testSet) throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        for (Batch batch : trainer.iterateDataset(testSet)) {
            try (batch) {
                var predictions = trainer.evaluate(batch.getData());
                correct += TrainingStep.countCorrect(
                        predictions.singletonOrThrow(), batch.getLabels().singletonOrThrow());
                total += batch.getSize();
            }
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }
}
