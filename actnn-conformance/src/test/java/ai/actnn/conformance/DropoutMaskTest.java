package ai.actnn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dropout at rate 0.5: ActNN draws its own keep masks (DJL's and ActNN's masks differ), so the
 * comparison with plain DJL is at rate 0 in the catalogue; here the random layer is checked for
 * using one mask in forward and backward: {@code y = x m / (1 - p)} and {@code dx = r m / (1 - p)}
 * for the same {@code m}, i.e. {@code dx * x == r * y}, with about half the elements kept.
 */
class DropoutMaskTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"L0", "L3"})
    void sameMaskForwardAndBackward(String level) {
        Shape shape = new Shape(8, 512);
        Block converted = ActNNAdapter.convert(Dropout.builder().optRate(0.5f).build());
        try (NDManager manager = NDManager.newBaseManager();
                Model model = Model.newInstance("dropout")) {
            model.setBlock(converted);
            try (Trainer trainer = ActNNAdapter.newTrainer(model, new DefaultTrainingConfig(Loss.l2Loss()), level, Conformance.SEED)) {
                trainer.initialize(shape);
                NDArray x = manager.randomUniform(0.5f, 1.5f, shape);
                x.setRequiresGradient(true);
                NDArray r = manager.randomNormal(shape);
                NDList y = ActNNAdapter.step(trainer, new NDList(x), p -> p.head().mul(r).sum());
                NDArray out = y.head().stopGradient();
                NDArray dx = x.getGradient();
                double mismatch = dx.mul(x).sub(r.mul(out)).abs().max().getFloat();
                assertTrue(mismatch < 1e-4, level + ": backward mask differs from the forward's: " + mismatch);
                double kept = out.gt(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
                assertEquals(0.5, kept, 0.05, level + ": kept fraction");
                double scale = out.div(x.stopGradient()).max().getFloat();
                assertEquals(2.0, scale, 1e-4, level + ": kept elements scaled by 1/(1-p)");
            }
        }
    }
}
