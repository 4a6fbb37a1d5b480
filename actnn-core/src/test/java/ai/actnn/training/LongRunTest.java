package ai.actnn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.memory.ProcessMemory;
import ai.djl.Model;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import org.junit.jupiter.api.Test;

/** No native memory grows over a long run: every step frees what it saved. */
class LongRunTest {

    @Test
    void threeHundredStepsLeaveNoNativeMemoryBehind() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(16).optPadding(new Shape(1, 1)).build())
                        .add(BatchNorm.builder().build())
                        .add(Activation.reluBlock())
                        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                        .add(Dropout.builder().optRate(0.2f).build())
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(10).build());
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").build();
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("long")) {
            model.setBlock(QModule.convert(net));
            ActNNTrainer trainer =
                    new ActNNTrainer(
                            model,
                            new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build()),
                            config);
            Shape input = new Shape(32, 3, 16, 16);
            trainer.initialize(input);
            BaseNDManager trainerManager = (BaseNDManager) trainer.getManager();
            long rssAt100 = 0;
            int arraysAt100 = 0;
            for (int step = 1; step <= 400; step++) {
                try (NDManager batch = m.newSubManager()) {
                    NDArray x = batch.randomNormal(input);
                    NDArray y = batch.randomInteger(0, 10, new Shape(32), ai.djl.ndarray.types.DataType.INT32)
                            .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(x), new NDList(y));
                        gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
                    }
                    trainer.step();
                }
                if (step == 100) {
                    // After 100 steps of warm-up (JIT-compiled code and allocator pools grow the
                    // resident set at first, then level off).
                    rssAt100 = ProcessMemory.isSupported() ? ProcessMemory.rssBytes() : 0;
                    arraysAt100 = trainerManager.getManagedArrays().size() + m.getManagedArrays().size();
                }
            }
            assertEquals(arraysAt100, trainerManager.getManagedArrays().size() + m.getManagedArrays().size(), "arrays still held");
            assertEquals(399, trainer.getCompression().lastStep().step());
            if (ProcessMemory.isSupported()) {
                // One step saves ~100 KB (codes, masks, offsets) and creates ~2.5 MB of full-precision
                // intermediates: leaking either would add over 30 MB in 300 steps. Plain DJL's own
                // resident set also moves by up to ~10 MB in such a run (JIT-compiled code,
                // allocator pools), hence the bound.
                long growth = ProcessMemory.rssBytes() - rssAt100;
                assertTrue(growth < 16_000_000, "resident memory grew by " + growth + " bytes over 300 steps");
            }
            trainer.close();
        }
    }
}
