package ai.actnn.examples.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import java.util.List;

/**
 * {@link TransformerModels#bertTiny(int, int, int, int) BERT-tiny} over token ids. Its three
 * inputs are each {@code (batch, seqLen)}: token ids (int64), type ids (int64) and the input mask
 * (int32). Random inputs are token ids uniform in [0, vocabulary), type ids 0 and a mask of ones
 * (no padding).
 *
 * <p>The vocabulary only sizes the embedding table (parameters, gradients, optimizer state): the
 * activations do not depend on it. Benchmarks default to a small one ({@value
 * ModelCatalog#DEFAULT_VOCABULARY}) so that the table ({@code vocabulary x width} floats, 15.6 MB
 * at BERT's {@value TransformerModels#BERT_VOCABULARY} and width 128, four times that with
 * gradients and momentum) does not dominate the memory figures.
 *
 * @param seqLen the sequence length
 * @param width the embedding size, a multiple of {@link TransformerModels#bertTinyHeads(int)}
 * @param vocabulary the token dictionary size
 * @param classes output classes
 */
public record BertTinySpec(int seqLen, int width, int vocabulary, int classes) implements ModelSpec {

    /** The model name. */
    public static final String NAME = "bert-tiny";

    /**
     * Validates the specification.
     *
     * @param seqLen see the record description
     * @param width see the record description
     * @param vocabulary see the record description
     * @param classes see the record description
     * @throws IllegalArgumentException for a non-positive size, a width that is not a multiple of
     *     the head count, or fewer than 2 classes
     */
    public BertTinySpec {
        ModelChecks.positive(NAME, "sequence length", seqLen);
        ModelChecks.positive(NAME, "width", width);
        ModelChecks.positive(NAME, "vocabulary", vocabulary);
        ModelChecks.classes(NAME, classes);
        int heads = TransformerModels.bertTinyHeads(width);
        ModelChecks.check(width % heads == 0, NAME + ": width " + width + " must be a multiple of its " + heads
                + " attention heads (max(2, width / 64)), e.g. " + (width / heads) * heads);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Block build() {
        return TransformerModels.bertTiny(seqLen, width, vocabulary, classes);
    }

    @Override
    public Shape[] inputShapes(int batch) {
        Shape shape = new Shape(batch, seqLen);
        return new Shape[] {shape, shape, shape};
    }

    @Override
    public NDList randomInputs(NDManager manager, int batch) {
        Shape shape = new Shape(batch, seqLen);
        return new NDList(
                manager.randomInteger(0, vocabulary, shape, DataType.INT64),
                manager.zeros(shape, DataType.INT64),
                manager.ones(shape, DataType.INT32));
    }

    @Override
    public InputSize size() {
        return InputSize.sequence(seqLen, width);
    }

    @Override
    public List<String> arguments() {
        return List.of("--model", NAME, SizeOption.SEQ_LEN.flag(), Integer.toString(seqLen),
                SizeOption.WIDTH.flag(), Integer.toString(width),
                SizeOption.VOCABULARY.flag(), Integer.toString(vocabulary),
                SizeOption.CLASSES.flag(), Integer.toString(classes));
    }
}
