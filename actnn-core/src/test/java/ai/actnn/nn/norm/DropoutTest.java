package ai.actnn.nn.norm;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dropout at p = 0.5 equals exact autograd of {@code x * mask / (1 - p)} for the mask it drew. */
class DropoutTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"L0", "L3"})
    void dropoutEqualsExactAutogradForTheSameMask(String level) {
        Shape shape = new Shape(64, 128);
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("dropout")) {
            Block converted = QModule.convert(Dropout.builder().optRate(0.5f).build());
            assertInstanceOf(QDropout.class, converted);
            model.setBlock(converted);
            ActNNTrainer trainer = ActNN.newTrainer(model, new DefaultTrainingConfig(Loss.l2Loss()), ActNNConfig.forLevel(level));
            trainer.initialize(shape);
            NDArray x = m.randomNormal(shape);
            x.setRequiresGradient(true);
            NDArray w = m.randomNormal(shape);
            NDArray y;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                y = trainer.forward(new NDList(x)).singletonOrThrow();
                gc.backward(y.mul(w).sum());
            }
            NDArray dx = x.getGradient();

            // The mask it drew, from its output (inputs are non-zero almost surely).
            NDArray mask = y.neq(0).toType(DataType.FLOAT32, false);
            double kept = mask.mean().getFloat();
            assertTrue(kept > 0.45 && kept < 0.55, level + ": kept fraction " + kept);

            NDArray x2 = x.duplicate();
            x2.setRequiresGradient(true);
            NDArray y2;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y2 = x2.mul(mask).mul(2f);
                gc.backward(y2.mul(w).sum());
            }
            assertTrue(y.contentEquals(y2), level + ": outputs differ from x * mask * 2");
            assertTrue(dx.contentEquals(x2.getGradient()), level + ": input gradients differ from autograd's");
            trainer.close();
        }
    }
}
