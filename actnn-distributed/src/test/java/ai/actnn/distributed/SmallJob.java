package ai.actnn.distributed;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
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
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The small training job of the multi-process tests, the same in every process and in the test's
 * own single-process reference: a CNN with or without batch norm, data drawn from a fixed
 * java.util.Random (no torch generator), parameters set from one too, SGD with momentum, mean
 * cross-entropy. Each step takes the next global batch; rank r of W trains on its r-th slice.
 */
final class SmallJob implements AutoCloseable {

    static final int GLOBAL_BATCH = 16;
    static final int CLASSES = 5;

    final Model model;
    final ActNNTrainer trainer;
    private final NDManager manager;
    private final float[][] images;
    private final int[] labels;

    SmallJob(boolean batchNorm, OptimizationLevel level, int steps) {
        this(batchNorm, level, steps, null, null);
    }

    /**
     * A job whose steps are split over the CPU listed {@code splits} times, run on the executor,
     * and whose model may start with an ordinary (unconverted) block.
     */
    SmallJob(boolean batchNorm, OptimizationLevel level, int steps, java.util.concurrent.ExecutorService splits,
            Block plainFirst) {
        ActNNConfig config = ActNNConfig.builder().optLevel(level).optSyncBatchNorm(batchNorm).build();
        model = Model.newInstance(batchNorm ? "cnn-bn" : "cnn");
        Block converted = QModule.convert(block(batchNorm), config);
        model.setBlock(plainFirst == null ? converted : new SequentialBlock().add(plainFirst).add(converted));
        DefaultTrainingConfig training = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build());
        if (splits != null) {
            training.optDevices(new ai.djl.Device[] {ai.djl.Device.cpu(), ai.djl.Device.cpu()}).optExecutorService(splits);
        }
        trainer = new ActNNTrainer(model, training, config);
        trainer.initialize(new Shape(GLOBAL_BATCH, 3, 8, 8));
        Random random = new Random(42);
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray a = p.getValue().getArray();
            String name = p.getKey();
            float[] values = new float[(int) a.size()];
            for (int i = 0; i < values.length; i++) {
                if (name.endsWith("gamma") || name.endsWith("runningVar")) {
                    values[i] = 1f;
                } else if (name.endsWith("beta") || name.endsWith("runningMean") || name.endsWith("bias")) {
                    values[i] = 0f;
                } else {
                    values[i] = (float) (random.nextGaussian() * 0.2);
                }
            }
            a.set(values);
        }
        manager = NDManager.newBaseManager();
        Random data = new Random(7);
        images = new float[steps * GLOBAL_BATCH][3 * 8 * 8];
        labels = new int[steps * GLOBAL_BATCH];
        for (int n = 0; n < labels.length; n++) {
            labels[n] = data.nextInt(CLASSES);
            for (int i = 0; i < images[n].length; i++) {
                // the label shifts the image's mean a little, so the net has something to learn
                images[n][i] = (float) (data.nextGaussian() + 0.3 * labels[n] * (i % 3 == 0 ? 1 : -1));
            }
        }
    }

    static Block block(boolean batchNorm) {
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).optPadding(new Shape(1, 1)).build());
        if (batchNorm) {
            net.add(BatchNorm.builder().build());
        }
        return net.add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(12).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(CLASSES).build());
    }

    /** Trains one step on this rank's slice of global batch {@code step}. */
    void step(int step, int rank, int worldSize) {
        int local = GLOBAL_BATCH / worldSize;
        int from = step * GLOBAL_BATCH + rank * local;
        float[] x = new float[local * 3 * 8 * 8];
        float[] y = new float[local];
        for (int i = 0; i < local; i++) {
            System.arraycopy(images[from + i], 0, x, i * 192, 192);
            y[i] = labels[from + i];
        }
        NDManager batchManager = manager.newSubManager();
        NDArray data = batchManager.create(x, new Shape(local, 3, 8, 8));
        NDArray label = batchManager.create(y, new Shape(local));
        try (Batch batch = new Batch(batchManager, new NDList(data), new NDList(label), local,
                Batchifier.STACK, Batchifier.STACK, step, Integer.MAX_VALUE)) {
            EasyTrain.trainBatch(trainer, batch);
            trainer.step();
        }
    }

    /** Every parameter (and running statistic), in the model's order. */
    List<float[]> parameters() {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    static void write(List<float[]> arrays, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(arrays.size());
            for (float[] a : arrays) {
                out.writeInt(a.length);
                for (float f : a) {
                    out.writeFloat(f);
                }
            }
        }
    }

    static List<float[]> read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            List<float[]> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                float[] a = new float[in.readInt()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = in.readFloat();
                }
                out.add(a);
            }
            return out;
        }
    }

    /** ||a - b|| / ||b|| over all arrays together. */
    static double relativeError(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) {
            return Double.POSITIVE_INFINITY;
        }
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < a.size(); k++) {
            if (a.get(k).length != b.get(k).length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int i = 0; i < a.get(k).length; i++) {
                double d = (double) a.get(k)[i] - b.get(k)[i];
                diff += d * d;
                norm += (double) b.get(k)[i] * b.get(k)[i];
            }
        }
        return Math.sqrt(diff) / Math.sqrt(norm);
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
        manager.close();
    }
}
