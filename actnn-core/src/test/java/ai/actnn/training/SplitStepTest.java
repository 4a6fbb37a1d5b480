package ai.actnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;
import ai.actnn.nn.norm.QSyncBatchNorm;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.dataset.Batch;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A step split over several devices in one process (DJL's {@code EasyTrain} on the training
 * config's devices, here the CPU listed several times): every split records and compresses, on
 * worker threads when the config has an executor; gradients reach the parameters as DJL sums them;
 * {@code QSyncBatchNorm} makes an N-split step compute exactly the unsplit step's gradients.
 */
class SplitStepTest {

    private static final int BATCH = 8;
    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdownNow();
    }

    private static Block cnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /** The loss summed over samples: the split losses then add up to the unsplit one. */
    private static final class SumOfSquares extends Loss {
        private final Supplier<Boolean> beforeEvaluate;

        SumOfSquares(Supplier<Boolean> beforeEvaluate) {
            super("sumOfSquares");
            this.beforeEvaluate = beforeEvaluate;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            if (!beforeEvaluate.get()) {
                throw new IllegalStateException("loss refused by the test");
            }
            try (NDArray d = predictions.singletonOrThrow().sub(labels.singletonOrThrow());
                    NDArray sq = d.square()) {
                return sq.sum();
            }
        }
    }

    private static DefaultTrainingConfig config(int devices, boolean executor, Loss loss) {
        Device[] list = new Device[devices];
        Arrays.fill(list, Device.cpu());
        DefaultTrainingConfig c = new DefaultTrainingConfig(loss)
                .optDevices(list)
                .optInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build());
        return executor ? c.optExecutorService(pool) : c;
    }

    /** One training run: a fresh model with seeded parameters, one batch, its gradients and state. */
    private static final class Run implements AutoCloseable {
        final Model model;
        final ActNNTrainer trainer;

        Run(ActNNConfig actnn, DefaultTrainingConfig config) {
            model = Model.newInstance("split");
            model.setBlock(QModule.convert(cnn(), actnn));
            trainer = new ActNNTrainer(model, config, actnn);
            Engine.getInstance().setRandomSeed(1234);
            trainer.initialize(new Shape(BATCH, 3, 6, 6));
        }

        void trainBatch(NDManager m, boolean step) {
            Engine.getInstance().setRandomSeed(99);
            NDArray x = m.randomNormal(new Shape(BATCH, 3, 6, 6));
            NDArray y = m.randomNormal(new Shape(BATCH, 3));
            try (Batch batch = new Batch(m.newSubManager(), new NDList(x), new NDList(y), BATCH,
                    Batchifier.STACK, Batchifier.STACK, 0, 1)) {
                EasyTrain.trainBatch(trainer, batch);
                if (step) {
                    trainer.step();
                }
            }
        }

        List<float[]> gradients() {
            List<float[]> out = new ArrayList<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    try (NDArray g = p.getValue().getArray().getGradient()) {
                        out.add(g.toFloatArray());
                    }
                }
            }
            return out;
        }

        List<float[]> parameters() {
            List<float[]> out = new ArrayList<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                out.add(p.getValue().getArray().toFloatArray());
            }
            return out;
        }

        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }

    private static ActNNConfig level(OptimizationLevel level, boolean sync) {
        return ActNNConfig.builder().optLevel(level).optSyncBatchNorm(sync).build();
    }

    /**
     * The relative error of all arrays together, ||a - e|| / ||e||: per array it would be
     * meaningless for gradients that are zero up to rounding (a convolution's bias before a batch
     * normalisation).
     */
    private static double maxRelativeError(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        double norm = 0;
        double diff = 0;
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            float[] a = actual.get(i);
            assertEquals(e.length, a.length);
            for (int j = 0; j < e.length; j++) {
                norm += (double) e[j] * e[j];
                diff += ((double) e[j] - a[j]) * ((double) e[j] - a[j]);
            }
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }

    @Test
    void syncBatchNormSplitsOnWorkerThreadsGiveTheUnsplitGradients() {
        ActNNConfig sync = level(OptimizationLevel.L0, true);
        try (NDManager m = NDManager.newBaseManager();
                Run whole = new Run(sync, config(1, false, new SumOfSquares(() -> true)));
                Run two = new Run(sync, config(2, true, new SumOfSquares(() -> true)));
                Run four = new Run(sync, config(4, true, new SumOfSquares(() -> true)))) {
            assertTrue(whole.model.getBlock().getChildren().values().stream().anyMatch(b -> b instanceof QSyncBatchNorm));
            whole.trainBatch(m, true);
            two.trainBatch(m, true);
            four.trainBatch(m, true);
            List<float[]> expected = whole.gradients();
            double e2 = maxRelativeError(expected, two.gradients());
            double e4 = maxRelativeError(expected, four.gradients());
            assertTrue(e2 < 1e-5, "2 splits: relative error " + e2);
            assertTrue(e4 < 1e-5, "4 splits: relative error " + e4);
            // The running statistics took the whole batch's statistics once, and the step
            // applied the same update.
            assertTrue(maxRelativeError(whole.parameters(), two.parameters()) < 1e-5);
            assertTrue(maxRelativeError(whole.parameters(), four.parameters()) < 1e-5);
            // Each split recorded its ops on its own tape, on a worker thread.
            assertEquals(2 * whole.trainer.getCompression().lastStep().recordedOps(),
                    two.trainer.getCompression().lastStep().recordedOps());
            assertEquals(4 * whole.trainer.getCompression().lastStep().recordedOps(),
                    four.trainer.getCompression().lastStep().recordedOps());
        }
    }

    @Test
    void plainBatchNormSplitsDifferFromTheUnsplitStep() {
        // Without sync the statistics are per split (as in DJL): the check above is not trivial.
        ActNNConfig plain = level(OptimizationLevel.L0, false);
        try (NDManager m = NDManager.newBaseManager();
                Run whole = new Run(plain, config(1, false, new SumOfSquares(() -> true)));
                Run two = new Run(plain, config(2, true, new SumOfSquares(() -> true)))) {
            whole.trainBatch(m, false);
            two.trainBatch(m, false);
            assertTrue(maxRelativeError(whole.gradients(), two.gradients()) > 1e-3);
        }
    }

    @Test
    void splitsCompressOnWorkerThreadsAndRunConcurrently() {
        // Every split's loss waits for the other: if the splits ran one after the other, the
        // first would wait in vain and the loss would refuse.
        CountDownLatch bothInLoss = new CountDownLatch(2);
        Supplier<Boolean> meet = () -> {
            bothInLoss.countDown();
            try {
                return bothInLoss.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
        ActNNConfig l3 = level(OptimizationLevel.L3, false);
        try (NDManager m = NDManager.newBaseManager();
                Run whole = new Run(l3, config(1, false, new SumOfSquares(() -> true)));
                Run two = new Run(l3, config(2, true, new SumOfSquares(meet)))) {
            whole.trainBatch(m, true);
            two.trainBatch(m, true);
            StepStatistics one = whole.trainer.getCompression().lastStep();
            StepStatistics split = two.trainer.getCompression().lastStep();
            assertEquals(2 * one.recordedOps(), split.recordedOps());
            assertTrue(split.savedBytes() > 0);
            // compressed as the unsplit step: a few bits per element, not 32
            assertTrue(split.averageBits() < 10, "average bits " + split.averageBits());
            for (float[] g : two.gradients()) {
                for (float v : g) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }

    @Test
    void sequentialSplitsAddTheirGradientsWithoutBatchNorm() {
        // No executor: the splits run one after the other on the caller's tape, which records
        // and runs the backward of each; on one device they share its parameters.
        ActNNConfig l0 = level(OptimizationLevel.L0, false);
        Supplier<Block> mlp = () -> new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(5).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(3).build());
        try (NDManager m = NDManager.newBaseManager()) {
            List<List<float[]>> grads = new ArrayList<>();
            for (int devices : new int[] {1, 2}) {
                try (Model model = Model.newInstance("mlp")) {
                    model.setBlock(QModule.convert(mlp.get(), l0));
                    try (ActNNTrainer t = new ActNNTrainer(model, config(devices, false, new SumOfSquares(() -> true)), l0)) {
                        Engine.getInstance().setRandomSeed(7);
                        t.initialize(new Shape(BATCH, 3, 6, 6));
                        Engine.getInstance().setRandomSeed(8);
                        NDArray x = m.randomNormal(new Shape(BATCH, 3, 6, 6));
                        NDArray y = m.randomNormal(new Shape(BATCH, 3));
                        try (Batch b = new Batch(m.newSubManager(), new NDList(x), new NDList(y), BATCH,
                                Batchifier.STACK, Batchifier.STACK, 0, 1)) {
                            EasyTrain.trainBatch(t, b);
                        }
                        List<float[]> g = new ArrayList<>();
                        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                            try (NDArray a = p.getValue().getArray().getGradient()) {
                                g.add(a.toFloatArray());
                            }
                        }
                        grads.add(g);
                    }
                }
            }
            assertTrue(maxRelativeError(grads.get(0), grads.get(1)) < 1e-5);
        }
    }

    @Test
    void syncBatchNormWithoutExecutorFailsAndSaysWhy() {
        ActNNConfig sync = level(OptimizationLevel.L0, true);
        try (NDManager m = NDManager.newBaseManager();
                Run two = new Run(sync, config(2, false, new SumOfSquares(() -> true)))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> two.trainBatch(m, false));
            assertTrue(e.getMessage().contains("optExecutorService"), e.getMessage());
            assertTrue(e.getMessage().contains("2 splits"), e.getMessage());
        }
    }

    @Test
    void aFailingSplitReleasesTheOthersAtOnce() {
        // Split 1's loss fails after both forwards; split 0 then waits at its first sync
        // batch-norm exchange of the backward for a split that will never come: it must fail at
        // once (the split ended), not after the 10-minute timeout.
        ActNNConfig sync = level(OptimizationLevel.L0, true);
        int[] calls = {0};
        Supplier<Boolean> secondFails = () -> {
            synchronized (calls) {
                return calls[0]++ == 0;
            }
        };
        try (NDManager m = NDManager.newBaseManager();
                Run two = new Run(sync, config(2, true, new SumOfSquares(secondFails)))) {
            two.trainer.setCollectiveTimeout(Duration.ofMinutes(10));
            long start = System.nanoTime();
            RuntimeException e = assertThrows(RuntimeException.class, () -> two.trainBatch(m, false));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(seconds < 60, "took " + seconds + " s");
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            assertTrue(String.valueOf(cause.getMessage()).contains("loss refused")
                    || String.valueOf(cause.getMessage()).contains("split"), String.valueOf(cause));
        }
    }
}
