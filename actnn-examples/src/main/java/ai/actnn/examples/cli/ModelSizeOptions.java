package ai.actnn.examples.cli;

import ai.actnn.examples.models.ModelCatalog;
import ai.actnn.examples.models.ModelOptions;
import ai.actnn.examples.models.ModelSpec;
import ai.actnn.examples.models.SizeOption;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The size options of {@code actnn benchmark}'s models: image options for the image models,
 * sequence options for bert-tiny and the transformer. Each option must apply to at least one of
 * the requested models (with several models it applies to those that use it); defaults are the
 * models' own ({@link ModelCatalog}).
 */
public final class ModelSizeOptions {

    @Option(names = "--image-size", paramLabel = "N",
            description = "Image models: image height and width (default: 28 for mlp/lenet, 32 for the ResNets).")
    Integer imageSize;

    @Option(names = "--channels", paramLabel = "C",
            description = "Image models: image channels (default: 1 for mlp/lenet, 3 for the ResNets).")
    Integer channels;

    @Option(names = "--seq-len", paramLabel = "N",
            description = "Sequence models: tokens per sequence (default: " + ModelCatalog.DEFAULT_SEQ_LEN + ").")
    Integer seqLen;

    @Option(names = "--width", paramLabel = "W",
            description = "Sequence models: embedding size (default: " + ModelCatalog.DEFAULT_WIDTH
                    + "); bert-tiny has max(2, W/64) heads and W must be a multiple of them;"
                    + " the transformer takes W features per token and has a hidden size of 4*W.")
    Integer width;

    @Option(names = "--heads", paramLabel = "H",
            description = "transformer: attention heads, dividing --width (default: "
                    + ModelCatalog.DEFAULT_TRANSFORMER_HEADS + ").")
    Integer heads;

    @Option(names = "--vocab", paramLabel = "V",
            description = "bert-tiny: token vocabulary (default: " + ModelCatalog.DEFAULT_VOCABULARY
                    + "; BERT's real 30522 only adds parameter memory: embedding table, gradients,"
                    + " optimizer state; activations do not change).")
    Integer vocabulary;

    @Option(names = "--classes", paramLabel = "K",
            description = "Output classes (default: " + ModelCatalog.BERT_TINY_CLASSES + " for bert-tiny, "
                    + ModelCatalog.DEFAULT_CLASSES + " for the others).")
    Integer classes;

    /**
     * Returns the specification of each model with these options.
     *
     * @param spec the command, for errors
     * @param names canonical model names
     * @return one specification per name, in order
     * @throws picocli.CommandLine.ParameterException for an invalid value, an option that applies
     *     to none of the models, or sizes a model cannot take
     */
    List<ModelSpec> specs(CommandSpec spec, List<String> names) {
        ModelOptions options;
        try {
            options = ModelOptions.of(values());
        } catch (IllegalArgumentException e) {
            throw OptionChecks.fail(spec, e.getMessage());
        }
        for (SizeOption option : options.given()) {
            if (names.stream().noneMatch(n -> ModelCatalog.options(n).contains(option))) {
                throw OptionChecks.fail(spec, "Option '" + option.flag() + "' does not apply to "
                        + String.join(", ", names) + ": it is used by "
                        + String.join(", ", ModelCatalog.modelsUsing(option)));
            }
        }
        List<ModelSpec> specs = new ArrayList<>();
        for (String name : names) {
            try {
                specs.add(ModelCatalog.benchmark(name, options));
            } catch (IllegalArgumentException e) {
                throw OptionChecks.fail(spec, "Invalid sizes: " + e.getMessage());
            }
        }
        return specs;
    }

    private Map<SizeOption, Integer> values() {
        Map<SizeOption, Integer> values = new EnumMap<>(SizeOption.class);
        values.put(SizeOption.IMAGE_SIZE, imageSize);
        values.put(SizeOption.CHANNELS, channels);
        values.put(SizeOption.SEQ_LEN, seqLen);
        values.put(SizeOption.WIDTH, width);
        values.put(SizeOption.HEADS, heads);
        values.put(SizeOption.VOCABULARY, vocabulary);
        values.put(SizeOption.CLASSES, classes);
        return values;
    }
}
