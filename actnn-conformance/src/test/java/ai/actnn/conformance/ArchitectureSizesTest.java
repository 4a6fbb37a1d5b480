package ai.actnn.conformance;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The input sizes of the architecture cases are the smallest each accepts: one pixel less fails in plain DJL. */
@Tag("heavy")
class ArchitectureSizesTest {

    static Stream<Architectures.Image> images() {
        return Architectures.images().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void smallestInput(Architectures.Image image) {
        forward(image, image.minSize());
        if (image.smallest() && image.minSize() > 1) {
            assertThrows(Exception.class, () -> forward(image, image.minSize() - 1));
        }
    }

    static void forward(Architectures.Image image, int size) {
        Shape shape = new Shape(2, image.channels(), size, size);
        Block block = image.build().apply(size);
        try (Model model = Model.newInstance("size"); NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, shape);
            block.forward(new ParameterStore(manager, false), new NDList(manager.ones(shape)), true);
        }
    }
}
