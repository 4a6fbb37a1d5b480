package ai.actnn.testing;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch memory check (dev only). */
public final class MemoryCheck {
    static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        String level = args[0];

        int layers = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        Block net = ResNetV1.builder().setImageShape(new Shape(3, size, size)).setNumLayers(layers).setOutSize(10).build();
        Model model = Model.newInstance("m");
        if (args.length > 4) ai.djl.pytorch.jni.JniUtils.setGraphExecutorOptimize(Boolean.parseBoolean(args[4]));
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build());
        Trainer trainer;
        if (level.equals("plain")) {
            model.setBlock(net);
            trainer = model.newTrainer(cfg);
        } else {
            model.setBlock(QModule.convert(net));
            trainer = new ActNNTrainer(model, cfg, ActNNConfig.forLevel(level));
        }
        trainer.initialize(new Shape(batch, 3, size, size));
        try (NDManager m = NDManager.newBaseManager()) {
            for (int it = 0; it < 4; it++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(batch, 3, size, size));
                    NDArray y = step.randomInteger(0, 10, new Shape(batch), ai.djl.ndarray.types.DataType.INT32).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                    System.gc();
                    Files.writeString(Path.of("/proc/self/clear_refs"), "5");
                    long before = status("VmRSS");
                    long t0 = System.nanoTime();
                    long afterForward;
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                        afterForward = status("VmRSS");
                        long tf = System.nanoTime();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(pred));
                        gc.backward(loss);
                        System.out.printf("fwd %.0f ms bwd %.0f ms%n", (tf - t0) / 1e6, (System.nanoTime() - tf) / 1e6);
                    }
                    trainer.step();
                    long t1 = System.nanoTime();
                    long peak = status("VmHWM");
                    System.out.printf("%s it%d act_mb=%.1f peak_mb=%.1f ms=%.0f%n", level, it, (afterForward - before) / 1e6, (peak - before) / 1e6, (t1 - t0) / 1e6);
                }
            }
        }
        trainer.close();
        model.close();
    }
}
