package ai.actnn.layers;

import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import org.junit.jupiter.api.Test;

import java.util.Map;

class SmokeTest {
    @Test
    void l0MatchesAutograd() {
        for (String level : new String[] {"L0", "L2", "L3"}) {
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optPadding(new Shape(1, 1)).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Activation::relu)
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(4).build());
            try (GradientHarness h = new GradientHarness(net, new Shape(4, 3, 8, 8), GradientHarness.level(level))) {
                if (level.equals("L0")) System.out.println(h.converted());
                NDArray x = h.manager().randomNormal(new Shape(4, 3, 8, 8));
                NDArray t = h.manager().randomNormal(new Shape(4, 4));
                Map<String, NDArray> a = h.plainGradients(x, t);
                Map<String, NDArray> b = h.compressedGradients(x, t);
                for (String k : a.keySet()) {
                    System.out.println(level + " " + k + " rel " + GradientHarness.relativeError(b.get(k), a.get(k)));
                }
            }
        }
    }
}
