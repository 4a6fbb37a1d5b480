package ai.actnn.examples.bench;

import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.examples.train.ConsoleProgress;
import ai.actnn.examples.train.Medians;
import ai.actnn.examples.train.StepResult;
import ai.actnn.examples.train.TrainingConfigs;
import ai.actnn.examples.train.TrainingStep;
import ai.actnn.memory.ProcessMemory;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;

import java.util.Objects;
import java.util.OptionalDouble;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures one {@link BenchmarkConfig}: builds the model, sets it up at the level through the
 * {@link LevelSetup}, runs {@code warmup} unmeasured and {@code iterations} measured training steps
 * on random inputs and labels, and reports the median activation memory, the largest peak, the memory held
 * between steps and the median throughput.
 *
 * <p>Each step's input is created in its own sub-manager that is closed after the step, so every
 * intermediate of the step is freed before the next one starts (DJL attaches them to the input's
 * manager). What the inputs are (images, token ids, feature sequences) is the {@link ModelSpec}'s
 * business: the runner holds no per-model logic. Memory figures need Linux and {@code
 * MALLOC_MMAP_THRESHOLD_=65536} ({@link ProcessMemory}); elsewhere they are reported as unknown.
 */
public final class BenchmarkRunner {

    private static final Logger logger = LoggerFactory.getLogger(BenchmarkRunner.class);

    private static final float LEARNING_RATE = 0.001f;

    private final LevelSetup levelSetup;
    private final ConsoleProgress progress;

    /**
     * Creates a runner.
     *
     * @param levelSetup creates the trainer for a level
     * @param progress the progress bar to draw
     */
    public BenchmarkRunner(LevelSetup levelSetup, ConsoleProgress progress) {
        this.levelSetup = Objects.requireNonNull(levelSetup, "levelSetup");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Runs one configuration.
     *
     * @param config the configuration
     * @return the measurement
     * @throws IllegalStateException if the level cannot be set up (e.g. the engine is not wired)
     * @throws RuntimeException if training fails (e.g. out of memory)
     */
    public BenchmarkResult run(BenchmarkConfig config) {
        Engine engine = Engine.getInstance();
        engine.setRandomSeed((int) config.seed());
        boolean measure = ProcessMemory.isSupported();
        long baseline = measure ? ProcessMemory.rssBytes() : -1;
        ModelSpec spec = config.model();
        int steps = config.warmup() + config.iterations();
        long[] nanos = new long[config.iterations()];
        long[] activation = new long[config.iterations()];
        long[] state = new long[config.iterations()];
        long peak = measure ? 0 : -1;
        double bits;
        long saved;
        try (Model model = Model.newInstance(spec.name() + "-" + config.level());
                Trainer trainer = levelSetup.newTrainer(
                        config.level(), spec.build(), model, TrainingConfigs.sgdMomentum(LEARNING_RATE))) {
            trainer.initialize(spec.inputShapes(config.batch()));
            progress.start(String.format("%s %s batch %d", spec.name(), config.level(), config.batch()), steps);
            for (int step = 0; step < steps; step++) {
                try (NDManager stepManager = trainer.getManager().newSubManager()) {
                    NDList data = spec.randomInputs(stepManager, config.batch());
                    NDList labels = new NDList(randomLabels(stepManager, spec.classes(), config.batch()));
                    long before = measure ? ProcessMemory.rssBytes() : -1;
                    long faults = measure && logger.isDebugEnabled() ? ProcessMemory.minorFaults() : 0;
                    StepResult r = TrainingStep.run(trainer, data, labels, measure);
                    int i = step - config.warmup();
                    if (logger.isDebugEnabled()) {
                        // page faults show whether the step's memory was reused or mapped anew
                        logger.debug("step {} ({}): {} ms, {} page faults", step, i < 0 ? "warm-up" : "measured",
                                r.nanos() / 1_000_000, measure ? ProcessMemory.minorFaults() - faults : "unknown");
                    }
                    if (i >= 0) {
                        nanos[i] = r.nanos();
                        if (measure) {
                            activation[i] = r.memory().retainedBytes();
                            // RSS can fall below the baseline (freed start-up memory) when the
                            // model's state is small; the state is never negative
                            state[i] = Math.max(0, before - baseline);
                            peak = Math.max(peak, r.memory().peakBytes());
                        }
                    }
                    progress.update(step + 1, String.format("%.0f ms/step", r.nanos() / 1e6));
                }
            }
            progress.end();
            OptionalDouble reported = levelSetup.averageBits(trainer);
            bits = reported.isPresent() ? reported.getAsDouble() : Double.NaN;
            saved = levelSetup.savedBytes(trainer).orElse(-1);
        }
        double medianNanos = Medians.of(nanos);
        BenchmarkResult result = new BenchmarkResult(spec.name(), config.level(), config.batch(), spec.size(),
                measure ? Math.round(Medians.of(activation)) : -1, peak,
                measure ? Math.round(Medians.of(state)) : -1,
                config.batch() * 1e9 / medianNanos, medianNanos / 1e6, bits, saved,
                ProcessMemory.mallocTuned(), false, null);
        logger.debug("{}", result);
        return result;
    }

    private static NDArray randomLabels(NDManager manager, int classes, int batch) {
        try (NDArray ints = manager.randomInteger(0, classes, new Shape(batch), DataType.INT32)) {
            return ints.toType(DataType.FLOAT32, false);
        }
    }
}
