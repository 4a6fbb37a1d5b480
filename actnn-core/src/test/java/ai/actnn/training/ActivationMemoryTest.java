package ai.actnn.training;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.memory.ProcessMemory;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;

import org.junit.jupiter.api.Test;

/**
 * Activation memory measured by the allocator (the process's resident set, with glibc returning
 * large blocks on free), not by counting our own bytes: what a training forward leaves alive.
 */
class ActivationMemoryTest {

    private static final Shape INPUT = new Shape(512, 2048);

    private static Block mlp() {
        SequentialBlock net = new SequentialBlock();
        for (int i = 0; i < 6; i++) {
            net.add(Linear.builder().setUnits(2048).build()).add(Activation.reluBlock());
        }
        return net.add(Linear.builder().setUnits(10).build());
    }

    /** Returns the bytes a forward (DJL's forward with labels, as EasyTrain calls it) keeps. */
    private static long forwardBytes(String level) {
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance(level)) {
            Block net = mlp();
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss());
            Trainer trainer;
            if ("plain".equals(level)) {
                model.setBlock(net);
                trainer = model.newTrainer(cfg);
            } else {
                model.setBlock(QModule.convert(net));
                ActNNConfig c = ActNNConfig.builder().optLevel(level).build();
                trainer = new ActNNTrainer(model, cfg, c);
            }
            trainer.initialize(INPUT);
            // The smallest of the steps after the first (L3 keeps 8 bits on its first step): what
            // other threads allocate meanwhile (quantizer workers, JIT) only ever adds to the
            // resident set, so the minimum is the closest reading of what the forward keeps.
            long kept = Long.MAX_VALUE;
            for (int step = 0; step < 4; step++) {
                // Like EasyTrain: each batch's arrays (and what the loss's graph holds) live in a
                // batch manager that closes after the step.
                try (NDManager batch = m.newSubManager()) {
                    NDArray x = batch.randomNormal(INPUT);
                    NDArray y = batch.zeros(new Shape(INPUT.get(0)));
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        long before = ProcessMemory.rssBytes();
                        NDList out = trainer.forward(new NDList(x), new NDList(y));
                        long now = ProcessMemory.rssBytes() - before;
                        if (step > 0) {
                            kept = Math.min(kept, now);
                        }
                        gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
                    }
                    trainer.step();
                }
            }
            trainer.close();
            return kept;
        }
    }

    @Test
    void compressedForwardsKeepAFractionOfPlainDjl() {
        assumeTrue(ProcessMemory.isSupported() && ProcessMemory.mallocTuned(), ProcessMemory.mallocWarning());
        long plain = forwardBytes("plain");
        long l0 = forwardBytes("L0");
        long l3 = forwardBytes("L3");
        String report = String.format("kept after forward: plain %.1f MB, L0 %.1f MB, L3 %.1f MB", plain / 1e6, l0 / 1e6, l3 / 1e6);
        // Plain DJL keeps 12 activations of 4 MB; autograd's rule, 6 (the linear inputs).
        assertTrue(plain > 40e6, report);
        assertTrue(l0 < 0.6 * plain, report);
        assertTrue(l3 * 8 < l0, report);
        org.slf4j.LoggerFactory.getLogger(ActivationMemoryTest.class).info(report);
    }
}
