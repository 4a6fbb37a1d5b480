package ai.actnn.examples.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import java.util.List;
import java.util.Locale;

/**
 * An image classifier of the {@link ModelZoo} on square images; its one input is {@code (batch,
 * channels, side, side)}, random inputs are uniform in [0, 1].
 *
 * @param name a name of {@link ModelZoo#NAMES} (stored in lower case)
 * @param channels image channels
 * @param imageSize image height and width
 * @param classes output classes
 */
public record ImageModelSpec(String name, int channels, int imageSize, int classes) implements ModelSpec {

    /**
     * Validates the specification.
     *
     * @param name see the record description
     * @param channels see the record description
     * @param imageSize see the record description
     * @param classes see the record description
     * @throws IllegalArgumentException for an unknown name or a non-positive size
     */
    public ImageModelSpec {
        ModelZoo.defaultChannels(name); // validates the name
        name = name.trim().toLowerCase(Locale.ROOT);
        ModelChecks.positive(name, "image size", imageSize);
        ModelChecks.positive(name, "channels", channels);
        ModelChecks.classes(name, classes);
    }

    @Override
    public Block build() {
        return ModelZoo.build(name, new Shape(channels, imageSize, imageSize), classes);
    }

    @Override
    public Shape[] inputShapes(int batch) {
        return new Shape[] {new Shape(batch, channels, imageSize, imageSize)};
    }

    @Override
    public NDList randomInputs(NDManager manager, int batch) {
        return new NDList(manager.randomUniform(0f, 1f, inputShapes(batch)[0]));
    }

    @Override
    public InputSize size() {
        return InputSize.image(imageSize);
    }

    @Override
    public List<String> arguments() {
        return List.of("--model", name, SizeOption.IMAGE_SIZE.flag(), Integer.toString(imageSize),
                SizeOption.CHANNELS.flag(), Integer.toString(channels),
                SizeOption.CLASSES.flag(), Integer.toString(classes));
    }
}
