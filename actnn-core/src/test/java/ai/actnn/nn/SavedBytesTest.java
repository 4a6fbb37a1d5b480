package ai.actnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.autograd.Tape;
import ai.actnn.config.ActNNConfig;
import ai.actnn.nn.transformer.TransformerLayerGradientTest;
import ai.actnn.training.ActNNTrainer;
import ai.actnn.training.CompressedGradientCollector;
import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
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
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Supplier;

/**
 * The engine's count of what a step keeps equals the bytes of the arrays it holds for backward,
 * for every Q-layer and for whole models: the count (made when each item was saved) and the sum
 * of the byte sizes of the arrays in the store's manager (read from DJL) agree between the forward
 * and the backward, so nothing saved escapes the count.
 */
class SavedBytesTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("ai.actnn.nn.LayerGradientTest#cases")
    void everyQLayerCountsWhatItHolds(LayerGradientTest.Case c) {
        for (String level : new String[] {"L0", "L3"}) {
            long[] counted = countAndHold(c.block(), c.input(), level);
            assertEquals(counted[1], counted[0], c + " at " + level + ": counted vs held bytes");
        }
    }

    @Test
    void wholeModelsCountWhatTheyHold() {
        check("ResNet-18", () -> ResNetV1.builder().setImageShape(new Shape(3, 32, 32)).setNumLayers(18).setOutSize(10).build(), new Shape(4, 3, 32, 32));
        check("LeNet", SavedBytesTest::lenet, new Shape(8, 1, 28, 28));
        check("transformer encoders", TransformerLayerGradientTest::encoderStack, new Shape(4, 16, 32));
    }

    private static void check(String name, Supplier<Block> model, Shape input) {
        for (String level : new String[] {"L0", "L3"}) {
            long[] counted = countAndHold(model, input, level);
            assertTrue(counted[0] > 0, name + " at " + level + " saved nothing");
            assertEquals(counted[1], counted[0], name + " at " + level + ": counted vs held bytes");
        }
    }

    static Block lenet() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(6).optPadding(new Shape(2, 2)).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(16).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(120).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(84).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /** Runs one step; returns {what the engine counted, what its store holds} after the forward. */
    private static long[] countAndHold(Supplier<Block> block, Shape input, String level) {
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("count")) {
            model.setBlock(QModule.convert(block.get()));
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.l2Loss())
                    .optInitializer(new NormalInitializer(0.2f), Parameter.Type.WEIGHT);
            ActNNTrainer trainer = ActNN.newTrainer(model, cfg, ActNNConfig.forLevel(level));
            trainer.initialize(input);
            NDArray x = m.randomNormal(input);
            long[] out;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList y = trainer.forward(new NDList(x));
                Tape tape = ((CompressedGradientCollector) gc).getTape();
                out = new long[] {tape.savedBytes(), tape.heldBytes()};
                NDArray loss = null;
                for (NDArray o : y) {
                    NDArray term = o.sum();
                    loss = loss == null ? term : loss.add(term);
                }
                gc.backward(loss);
            }
            trainer.close();
            return out;
        }
    }
}
