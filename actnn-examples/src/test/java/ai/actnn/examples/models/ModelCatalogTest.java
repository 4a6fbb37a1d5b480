package ai.actnn.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

class ModelCatalogTest {

    private static ModelOptions options(Object... pairs) {
        Map<SizeOption, Integer> values = new EnumMap<>(SizeOption.class);
        for (int i = 0; i < pairs.length; i += 2) {
            values.put((SizeOption) pairs[i], (Integer) pairs[i + 1]);
        }
        return ModelOptions.of(values);
    }

    @Test
    void namesCoverImageAndSequenceModels() {
        assertEquals(List.of("mlp", "lenet", "convnet", "resnet18", "resnet34", "resnet50", "bert-tiny", "transformer"),
                ModelCatalog.NAMES);
        assertEquals("bert-tiny", ModelCatalog.canonical(" BERT-Tiny "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.canonical("gpt2"));
        assertTrue(e.getMessage().contains("allowed are mlp, lenet, convnet, resnet18, resnet34, resnet50, bert-tiny, transformer"),
                e.getMessage());
    }

    @Test
    void eachModelUsesItsOwnOptions() {
        assertEquals(Set.of(SizeOption.IMAGE_SIZE, SizeOption.CHANNELS, SizeOption.CLASSES), ModelCatalog.options("lenet"));
        assertTrue(ModelCatalog.options("bert-tiny").contains(SizeOption.VOCABULARY));
        assertTrue(!ModelCatalog.options("bert-tiny").contains(SizeOption.HEADS));
        assertEquals(List.of("transformer"), ModelCatalog.modelsUsing(SizeOption.HEADS));
        assertEquals(List.of("bert-tiny", "transformer"), ModelCatalog.modelsUsing(SizeOption.SEQ_LEN));
    }

    @Test
    void benchmarkDefaults() {
        assertEquals(new ImageModelSpec("resnet18", 3, 32, 10), ModelCatalog.benchmark("resnet18", ModelOptions.defaults()));
        assertEquals(new BertTinySpec(128, 128, 1000, 2), ModelCatalog.benchmark("bert-tiny", ModelOptions.defaults()));
        TransformerSpec t = (TransformerSpec) ModelCatalog.benchmark("transformer", options(SizeOption.WIDTH, 64));
        assertEquals(new TransformerSpec(128, 64, 64, 4, 256, 2, 0.1f, 10), t);
        assertTrue(t.isBenchmarkConfiguration());
        // options of other models are ignored: one set of options serves a mixed list
        assertEquals(new ImageModelSpec("mlp", 1, 28, 10),
                ModelCatalog.benchmark("mlp", options(SizeOption.SEQ_LEN, 16)));
    }

    @Test
    void invalidSizesNameTheValueAndWhatIsAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.benchmark("bert-tiny", options(SizeOption.WIDTH, 200)));
        assertEquals("bert-tiny: width 200 must be a multiple of its 3 attention heads (max(2, width / 64)), e.g. 198",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.benchmark("transformer", options(SizeOption.WIDTH, 100, SizeOption.HEADS, 3)));
        assertEquals("transformer: width 100 must be a multiple of the 3 attention heads", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> options(SizeOption.SEQ_LEN, 0));
        assertEquals("Invalid value for option '--seq-len': 0 (must be >= 1)", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.benchmark("bert-tiny", options(SizeOption.CLASSES, 1)));
    }

    @Test
    void mnistModelsTakeOneImageShapedInput() {
        assertArrayEquals(new Shape[] {new Shape(5, 1, 28, 28)}, ModelCatalog.mnist("lenet", 28, 28).inputShapes(5));
        ModelSpec rows = ModelCatalog.mnist("transformer", 28, 28);
        assertEquals(TransformerSpec.mnistRows(28, 28), rows);
        assertArrayEquals(new Shape[] {new Shape(5, 28, 28)}, rows.inputShapes(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.mnist("bert-tiny", 28, 28));
        assertTrue(e.getMessage().contains("takes token ids, not images"), e.getMessage());
        assertThrows(IllegalStateException.class, rows::arguments);
    }

    @Test
    void sequenceModelsRunOnTheirRandomInputs() {
        for (ModelSpec spec : List.of(new BertTinySpec(8, 64, 50, 2), TransformerSpec.benchmark(8, 32, 4, 10),
                TransformerSpec.mnistRows(28, 28))) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Block block = spec.build();
                block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
                block.initialize(manager, DataType.FLOAT32, spec.inputShapes(3));
                NDList inputs = spec.randomInputs(manager, 3);
                Shape[] shapes = spec.inputShapes(3);
                for (int i = 0; i < shapes.length; i++) {
                    assertEquals(shapes[i], inputs.get(i).getShape(), spec.name() + " input " + i);
                }
                NDArray out = block.forward(new ParameterStore(manager, false), inputs, false).head();
                assertEquals(new Shape(3, spec.classes()), out.getShape(), spec.name());
            }
        }
    }

    @Test
    void bertInputsAreIdsInTheVocabularyZeroTypesAndAFullMask() {
        BertTinySpec spec = new BertTinySpec(16, 64, 7, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = spec.randomInputs(manager, 4);
            assertTrue(in.get(0).max().getLong() < 7 && in.get(0).min().getLong() >= 0);
            assertEquals(0L, in.get(1).countNonzero().getLong());
            assertEquals(64L, in.get(2).countNonzero().getLong());
        }
        assertEquals(InputSize.sequence(16, 64), spec.size());
    }
}
