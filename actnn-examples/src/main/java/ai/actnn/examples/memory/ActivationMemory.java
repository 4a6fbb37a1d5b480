package ai.actnn.examples.memory;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.examples.models.TransformerModels;
import ai.actnn.training.ActNNTrainer;
import ai.actnn.training.StepStatistics;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the activation memory of one training forward in this process, on the CPU: the
 * growth of the resident set from just before the forward to just after it (what the forward
 * keeps for backward), and the peak of the whole step. Run the JVM with {@code
 * MALLOC_MMAP_THRESHOLD_=65536} in its environment so that glibc maps every large tensor
 * separately and returns it on free; the resident set then follows live tensor bytes. Also give
 * the JVM a fixed, pre-touched heap ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}) so that Java
 * heap growth does not count as activation memory. Garbage is collected before each reading, so
 * transient buffers that only a collection frees are not counted either.
 *
 * <pre>
 * MALLOC_MMAP_THRESHOLD_=65536 java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp ... ai.actnn.examples.memory.ActivationMemory [batch] [seqLen] [width] [levels]
 * </pre>
 */
public final class ActivationMemory {

    private static final Logger logger = LoggerFactory.getLogger(ActivationMemory.class);

    /**
     * One measurement.
     *
     * @param label what was measured (e.g. "L3+recompute")
     * @param activationBytes resident-set growth across the forward
     * @param peakBytes the step's peak resident set above the start of the forward
     * @param savedBytes what ActNN reports it saved (-1 for plain DJL)
     * @param averageBits ActNN's average bits per saved element (NaN for plain DJL)
     * @param stepMillis the time of the measured forward and backward
     */
    public record Result(
            String label, long activationBytes, long peakBytes, long savedBytes, double averageBits, long stepMillis) {
        @Override
        public String toString() {
            return String.format(
                    "%-14s activations %8.1f MB  peak %8.1f MB  ActNN-saved %8.1f MB  avg bits %5.2f  step %6d ms",
                    label,
                    activationBytes / 1e6,
                    peakBytes / 1e6,
                    savedBytes / 1e6,
                    averageBits,
                    stepMillis);
        }
    }

    private ActivationMemory() {}

    /**
     * Measures one configuration: a fresh model, one warm-up step, then the measured step.
     *
     * @param model builds the (unconverted) DJL model
     * @param inputShapes the input shapes
     * @param inputs makes a batch of inputs
     * @param labels makes the labels of a batch
     * @param level "plain" (unconverted DJL), or an ActNN level ("L0".."L5")
     * @param recompute the ActNN recomputation option
     * @return the measurement
     */
    public static Result measure(
            Supplier<Block> model,
            Shape[] inputShapes,
            Function<NDManager, NDList> inputs,
            Function<NDManager, NDList> labels,
            String level,
            boolean recompute) {
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
            logger.warn("MALLOC_MMAP_THRESHOLD_ is not set: resident-set figures will not follow tensor bytes");
        }
        boolean plain = "plain".equalsIgnoreCase(level);
        DefaultTrainingConfig cfg =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build());
        ActNNConfig config = plain ? null : ActNNConfig.builder().optLevel(level).optRecompute(recompute).build();
        String label = plain ? "plain DJL" : level + (recompute ? "+recompute" : "");
        try (Model m = Model.newInstance(label)) {
            m.setBlock(plain ? model.get() : QModule.convert(model.get()));
            try (Trainer trainer =
                    plain ? m.newTrainer(cfg) : new ActNNTrainer(m, cfg, config)) {
                trainer.initialize(inputShapes);
                step(trainer, inputs, labels, false);
                Result r = step(trainer, inputs, labels, true);
                StepStatistics stats = plain ? null : ((ActNNTrainer) trainer).getCompression().lastStep();
                return new Result(
                        label,
                        r.activationBytes(),
                        r.peakBytes(),
                        stats == null ? -1 : stats.savedBytes(),
                        stats == null ? Double.NaN : stats.averageBits(),
                        r.stepMillis());
            }
        }
    }

    private static Result step(
            Trainer trainer, Function<NDManager, NDList> inputs, Function<NDManager, NDList> labels, boolean measure) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDList x = inputs.apply(batch);
            NDList y = labels.apply(batch);
            settle();
            resetPeak();
            long before = ProcStatus.read("VmRSS");
            long start = System.nanoTime();
            long afterForward;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList pred = trainer.forward(x);
                // Temporaries that became garbage during the forward (direct buffers freed by
                // cleaners) are not activations: let them go before reading.
                settle();
                afterForward = ProcStatus.read("VmRSS");
                NDArray loss = trainer.getLoss().evaluate(y, pred);
                gc.backward(loss);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            long peak = ProcStatus.read("VmHWM");
            trainer.step();
            return new Result("", afterForward - before, peak - before, 0, 0, measure ? millis : 0);
        }
    }

    /**
     * Lets garbage of earlier steps go before the measurement: native memory that unreachable
     * arrays hold is freed by cleaners after a collection, asynchronously.
     */
    private static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            logger.debug("cannot reset the peak resident set: {}", e.getMessage());
        }
    }

    /** Reads sizes from {@code /proc/self/status} (Linux). */
    private static final class ProcStatus {
        static long read(String key) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                    if (line.startsWith(key + ":")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/self/status (Linux only)", e);
            }
            throw new IllegalStateException(key + " missing from /proc/self/status");
        }
    }

    /**
     * Prints the activation memory of one BERT-tiny training forward at plain DJL, L0, L3 and
     * L3 with recomputation.
     *
     * @param args optional batch size (default 32), sequence length (128), width (128) and a
     *     comma-separated list of configurations (default {@code plain,L0,L3,L3+recompute}; one
     *     per process gives the cleanest figures)
     */
    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int seqLen = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int width = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        Shape shape = new Shape(batch, seqLen);
        Shape[] shapes = {shape, shape, shape};
        Function<NDManager, NDList> inputs =
                m -> new NDList(
                        m.randomInteger(0, TransformerModels.BERT_VOCABULARY, shape, DataType.INT64),
                        m.randomInteger(0, 2, shape, DataType.INT64),
                        m.ones(shape, DataType.INT32));
        Function<NDManager, NDList> labels =
                m -> new NDList(m.randomInteger(0, 2, new Shape(batch), DataType.INT32).toType(DataType.FLOAT32, false));
        Supplier<Block> model = () -> TransformerModels.bertTiny(seqLen, width);
        System.out.printf("bert-tiny: batch %d, sequence %d, width %d%n", batch, seqLen, width);
        Result l0 = null;
        String[] levels = args.length > 3 ? args[3].split(",") : new String[] {"plain", "L0", "L3", "L3+recompute"};
        for (String level : levels) {
            boolean recompute = level.endsWith("+recompute");
            Result r = measure(model, shapes, inputs, labels, level.replace("+recompute", ""), recompute);
            if ("L0".equals(level)) {
                l0 = r;
            }
            System.out.println(r + (l0 != null && r != l0 ? String.format("  (%.1fx smaller than L0)", (double) l0.activationBytes() / r.activationBytes()) : ""));
        }
    }
}
