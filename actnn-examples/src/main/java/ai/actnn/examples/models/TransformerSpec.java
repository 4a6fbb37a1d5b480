package ai.actnn.examples.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import java.util.List;

/**
 * {@link TransformerModels#transformer(int, int, int, int, float, int) A transformer encoder
 * classifier} over sequences of feature vectors; its one input is {@code (batch, seqLen,
 * features)} floats, random inputs are standard normal.
 *
 * @param seqLen the sequence length
 * @param features the size of each input vector (projected linearly to {@code width})
 * @param width the embedding size, a multiple of {@code heads}
 * @param heads the attention heads
 * @param hidden the feed-forward hidden size
 * @param layers the encoder blocks
 * @param dropout the dropout rate inside the blocks, in [0, 1)
 * @param classes output classes
 */
public record TransformerSpec(
        int seqLen, int features, int width, int heads, int hidden, int layers, float dropout, int classes)
        implements ModelSpec {

    /** The model name. */
    public static final String NAME = "transformer";

    /** The dropout rate of the benchmark and MNIST configurations. */
    public static final float DROPOUT = 0.1f;

    /** The encoder blocks of the benchmark and MNIST configurations. */
    public static final int LAYERS = 2;

    /**
     * Validates the specification.
     *
     * @param seqLen see the record description
     * @param features see the record description
     * @param width see the record description
     * @param heads see the record description
     * @param hidden see the record description
     * @param layers see the record description
     * @param dropout see the record description
     * @param classes see the record description
     * @throws IllegalArgumentException for a non-positive size, a width that is not a multiple of
     *     the heads, a dropout rate outside [0, 1) or fewer than 2 classes
     */
    public TransformerSpec {
        ModelChecks.positive(NAME, "sequence length", seqLen);
        ModelChecks.positive(NAME, "features", features);
        ModelChecks.positive(NAME, "width", width);
        ModelChecks.positive(NAME, "heads", heads);
        ModelChecks.positive(NAME, "hidden size", hidden);
        ModelChecks.positive(NAME, "layers", layers);
        ModelChecks.classes(NAME, classes);
        ModelChecks.check(width % heads == 0, NAME + ": width " + width + " must be a multiple of the "
                + heads + " attention heads");
        ModelChecks.check(dropout >= 0 && dropout < 1, NAME + ": dropout " + dropout + " must be in [0, 1)");
    }

    /**
     * The benchmark's configuration: features = width, hidden size {@code 4 * width}, {@value
     * #LAYERS} layers, dropout {@value #DROPOUT}.
     *
     * @param seqLen the sequence length
     * @param width the embedding size
     * @param heads the attention heads (dividing the width)
     * @param classes output classes
     * @return the specification
     * @throws IllegalArgumentException for invalid sizes
     */
    public static TransformerSpec benchmark(int seqLen, int width, int heads, int classes) {
        ModelChecks.positive(NAME, "width", width);
        return new TransformerSpec(seqLen, width, width, heads, 4 * width, LAYERS, DROPOUT, classes);
    }

    /**
     * MNIST digits read row by row: {@code rows} tokens of {@code cols} pixels, width 64, 4 heads,
     * hidden size 128, {@value #LAYERS} layers, dropout {@value #DROPOUT}, 10 classes (see {@link
     * TransformerModels#mnistRowsTransformer()}).
     *
     * @param rows image height: the sequence length
     * @param cols image width: the features per token
     * @return the specification
     */
    public static TransformerSpec mnistRows(int rows, int cols) {
        return new TransformerSpec(rows, cols, 64, 4, 128, LAYERS, DROPOUT, 10);
    }

    /**
     * Returns whether this is a {@link #benchmark} configuration, which {@code actnn benchmark}
     * options can express.
     *
     * @return whether features, hidden size, layers and dropout are the benchmark's
     */
    public boolean isBenchmarkConfiguration() {
        return equals(benchmark(seqLen, width, heads, classes));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Block build() {
        return TransformerModels.transformer(width, heads, hidden, layers, dropout, classes);
    }

    @Override
    public Shape[] inputShapes(int batch) {
        return new Shape[] {new Shape(batch, seqLen, features)};
    }

    @Override
    public NDList randomInputs(NDManager manager, int batch) {
        return new NDList(manager.randomNormal(inputShapes(batch)[0]));
    }

    @Override
    public InputSize size() {
        return InputSize.sequence(seqLen, width);
    }

    @Override
    public List<String> arguments() {
        if (!isBenchmarkConfiguration()) {
            throw new IllegalStateException("actnn benchmark options cannot express " + this
                    + ": it uses features = width, hidden = 4 * width, " + LAYERS + " layers, dropout " + DROPOUT);
        }
        return List.of("--model", NAME, SizeOption.SEQ_LEN.flag(), Integer.toString(seqLen),
                SizeOption.WIDTH.flag(), Integer.toString(width),
                SizeOption.HEADS.flag(), Integer.toString(heads),
                SizeOption.CLASSES.flag(), Integer.toString(classes));
    }
}
