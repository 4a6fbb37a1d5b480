package ai.actnn.examples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelZooTest {

    @ParameterizedTest
    @CsvSource({"mlp,1,28", "lenet,1,28", "convnet,1,28", "convnet,3,10", "resnet18,1,28", "resnet18,3,32", "RESNET34,3,32", "resnet50,3,32", "resnet18,3,64"})
    void buildsEveryModelWithTheRightOutput(String name, int channels, int side) {
        Block block = ModelZoo.build(name, new Shape(channels, side, side), 10);
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape input = new Shape(2, channels, side, side);
            block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            block.initialize(manager, DataType.FLOAT32, input);
            Shape out = block.getOutputShapes(new Shape[] {input})[0];
            assertEquals(new Shape(2, 10), out);
            if (name.equals("resnet18") || !name.startsWith("r")) {
                NDList y = block.forward(new ParameterStore(manager, false),
                        new NDList(manager.randomUniform(0, 1, input)), false);
                assertEquals(new Shape(2, 10), y.singletonOrThrow().getShape());
            }
        }
    }

    @Test
    void djlResnet18HasBottleneckUnits() {
        Block block = ModelZoo.build("resnet18", new Shape(3, 32, 32), 10);
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            long params = block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertTrue(params > 800_000 && params < 1_000_000, "DJL's ResNet-18 has " + params + " parameters");
        }
    }

    @Test
    void unknownNamesListTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("vgg16", new Shape(3, 32, 32), 10));
        assertEquals("Unknown model 'vgg16': allowed are mlp, lenet, convnet, resnet18, resnet34, resnet50", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.defaultChannels("vgg"));
    }

    @Test
    void rejectsBadShapesAndClassCounts() {
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("mlp", new Shape(28, 28), 10));
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("mlp", new Shape(1, 28, 28), 1));
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("lenet", new Shape(1, 8, 8), 10));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("convnet", new Shape(1, 3, 3), 10));
        assertTrue(small.getMessage().contains("at least 4x4"), small.getMessage());
    }

    @Test
    void defaultsMatchTheDatasets() {
        assertEquals(1, ModelZoo.defaultChannels("lenet"));
        assertEquals(28, ModelZoo.defaultImageSize("mlp"));
        assertEquals(3, ModelZoo.defaultChannels("resnet50"));
        assertTrue(ModelZoo.NAMES.contains("resnet18"));
    }
}
