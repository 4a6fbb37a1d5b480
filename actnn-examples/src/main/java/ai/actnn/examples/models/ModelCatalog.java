package ai.actnn.examples.models;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every model that the examples train and benchmark, by name, as a {@link ModelSpec}: the image
 * models of the {@link ModelZoo} and the transformers of {@link TransformerModels}. The one place
 * that maps a name and its options to a configuration.
 *
 * <table>
 *   <caption>Models and their options (defaults)</caption>
 *   <tr><th>name</th><th>options</th><th>input</th></tr>
 *   <tr><td>mlp, lenet, convnet</td><td>--image-size (28), --channels (1), --classes (10)</td>
 *       <td>random images in [0, 1]</td></tr>
 *   <tr><td>resnet18, resnet34, resnet50</td><td>--image-size (32), --channels (3), --classes (10)</td>
 *       <td>random images in [0, 1]</td></tr>
 *   <tr><td>bert-tiny</td><td>--seq-len (128), --width (128), --vocab (1000), --classes (2)</td>
 *       <td>random token ids, type ids 0, mask 1 ({@link BertTinySpec})</td></tr>
 *   <tr><td>transformer</td><td>--seq-len (128), --width (128), --heads (4), --classes (10)</td>
 *       <td>random normal {@code (batch, seqLen, width)} ({@link TransformerSpec#benchmark})</td></tr>
 * </table>
 *
 * <p>On MNIST ({@link #mnist}) the image models see {@code (1, 28, 28)} images and the transformer
 * reads each image as a sequence of 28 rows of 28 pixels ({@link TransformerSpec#mnistRows}).
 */
public final class ModelCatalog {

    /** The default sequence length of the sequence models. */
    public static final int DEFAULT_SEQ_LEN = 128;

    /** The default width (embedding size) of the sequence models. */
    public static final int DEFAULT_WIDTH = 128;

    /** The default vocabulary of BERT-tiny in benchmarks (see {@link BertTinySpec}). */
    public static final int DEFAULT_VOCABULARY = 1000;

    /** The default attention heads of the transformer. */
    public static final int DEFAULT_TRANSFORMER_HEADS = 4;

    /** The default number of classes (BERT-tiny: {@value #BERT_TINY_CLASSES}). */
    public static final int DEFAULT_CLASSES = 10;

    /** The default number of classes of BERT-tiny (sentence-pair style binary classification). */
    public static final int BERT_TINY_CLASSES = 2;

    /** Every model name, image models first. */
    public static final List<String> NAMES = names();

    /** The models that train on MNIST ({@link #mnist}). */
    public static final List<String> MNIST_NAMES = List.of("mlp", "lenet", "convnet", "resnet18", TransformerSpec.NAME);

    private ModelCatalog() {}

    /** What kind of model a name is: its options and how to build its specification. */
    private enum Family {
        IMAGE(EnumSet.of(SizeOption.IMAGE_SIZE, SizeOption.CHANNELS, SizeOption.CLASSES)),
        BERT_TINY(EnumSet.of(SizeOption.SEQ_LEN, SizeOption.WIDTH, SizeOption.VOCABULARY, SizeOption.CLASSES)),
        TRANSFORMER(EnumSet.of(SizeOption.SEQ_LEN, SizeOption.WIDTH, SizeOption.HEADS, SizeOption.CLASSES));

        private final Set<SizeOption> options;

        Family(Set<SizeOption> options) {
            this.options = options;
        }
    }

    /**
     * Returns the canonical spelling of a model name.
     *
     * @param name the name, case-insensitive
     * @return the name in lower case
     * @throws IllegalArgumentException for an unknown name, listing the allowed ones
     */
    public static String canonical(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(key)) {
            throw new IllegalArgumentException("Unknown model '" + name + "': allowed are " + String.join(", ", NAMES));
        }
        return key;
    }

    /**
     * Returns the size options that a model uses; the others do not apply to it.
     *
     * @param name a model name
     * @return the options
     * @throws IllegalArgumentException for an unknown name
     */
    public static Set<SizeOption> options(String name) {
        return family(canonical(name)).options;
    }

    /**
     * Returns the models that use a size option.
     *
     * @param option the option
     * @return the model names, in {@link #NAMES} order
     */
    public static List<String> modelsUsing(SizeOption option) {
        return NAMES.stream().filter(n -> family(n).options.contains(option)).toList();
    }

    /**
     * Returns a model's benchmark configuration. Options that the model does not use are ignored
     * (so that one set of options can serve several models); check them with {@link #options}.
     *
     * @param name a model name
     * @param options the sizes given; absent ones take the model's defaults
     * @return the specification
     * @throws IllegalArgumentException for an unknown name or sizes the model cannot take
     */
    public static ModelSpec benchmark(String name, ModelOptions options) {
        String key = canonical(name);
        return switch (family(key)) {
            case IMAGE -> new ImageModelSpec(key,
                    options.get(SizeOption.CHANNELS, ModelZoo.defaultChannels(key)),
                    options.get(SizeOption.IMAGE_SIZE, ModelZoo.defaultImageSize(key)),
                    options.get(SizeOption.CLASSES, DEFAULT_CLASSES));
            case BERT_TINY -> new BertTinySpec(
                    options.get(SizeOption.SEQ_LEN, DEFAULT_SEQ_LEN),
                    options.get(SizeOption.WIDTH, DEFAULT_WIDTH),
                    options.get(SizeOption.VOCABULARY, DEFAULT_VOCABULARY),
                    options.get(SizeOption.CLASSES, BERT_TINY_CLASSES));
            case TRANSFORMER -> TransformerSpec.benchmark(
                    options.get(SizeOption.SEQ_LEN, DEFAULT_SEQ_LEN),
                    options.get(SizeOption.WIDTH, DEFAULT_WIDTH),
                    options.get(SizeOption.HEADS, DEFAULT_TRANSFORMER_HEADS),
                    options.get(SizeOption.CLASSES, DEFAULT_CLASSES));
        };
    }

    /**
     * Returns a model's configuration for MNIST-like images of one channel: the image models take
     * {@code (1, rows, cols)} images, the transformer reads {@code rows} tokens of {@code cols}
     * pixels; 10 classes.
     *
     * @param name one of {@link #MNIST_NAMES} (the other image models work too)
     * @param rows image height
     * @param cols image width
     * @return the specification; its one input has {@code rows * cols} elements per example
     * @throws IllegalArgumentException for an unknown name, a model that does not take images, or
     *     non-square images for an image model
     */
    public static ModelSpec mnist(String name, int rows, int cols) {
        String key = canonical(name);
        return switch (family(key)) {
            case IMAGE -> {
                if (rows != cols) {
                    throw new IllegalArgumentException(key + " takes square images, not " + rows + "x" + cols);
                }
                yield new ImageModelSpec(key, 1, rows, DEFAULT_CLASSES);
            }
            case TRANSFORMER -> TransformerSpec.mnistRows(rows, cols);
            case BERT_TINY -> throw new IllegalArgumentException(
                    key + " takes token ids, not images: allowed on MNIST are " + String.join(", ", MNIST_NAMES));
        };
    }

    private static Family family(String key) {
        if (ModelZoo.NAMES.contains(key)) {
            return Family.IMAGE;
        }
        return BertTinySpec.NAME.equals(key) ? Family.BERT_TINY : Family.TRANSFORMER;
    }

    private static List<String> names() {
        List<String> names = new ArrayList<>(ModelZoo.NAMES);
        names.add(BertTinySpec.NAME);
        names.add(TransformerSpec.NAME);
        return List.copyOf(names);
    }
}
