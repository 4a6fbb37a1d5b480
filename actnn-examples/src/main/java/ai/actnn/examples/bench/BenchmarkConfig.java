package ai.actnn.examples.bench;

import ai.actnn.examples.engine.Levels;
import ai.actnn.examples.models.ModelZoo;

import java.util.ArrayList;
import java.util.List;

/**
 * One benchmark configuration: a model at a level and batch size, on random images.
 *
 * <p>Invalid values (unknown model or level, non-positive sizes) throw {@link
 * IllegalArgumentException}; the level is stored in its canonical spelling.
 *
 * @param model a model name of {@link ModelZoo}
 * @param level a canonical level name
 * @param batch images per step
 * @param imageSize image height and width
 * @param channels image channels
 * @param classes output classes
 * @param iterations measured steps
 * @param warmup unmeasured steps before them
 * @param seed seed of initialization and data
 */
public record BenchmarkConfig(
        String model, String level, int batch, int imageSize, int channels, int classes,
        int iterations, int warmup, long seed) {

    /**
     * Validates the configuration.
     *
     * @param model see the record description
     * @param level see the record description
     * @param batch see the record description
     * @param imageSize see the record description
     * @param channels see the record description
     * @param classes see the record description
     * @param iterations see the record description
     * @param warmup see the record description
     * @param seed see the record description
     * @throws IllegalArgumentException for an invalid value
     */
    public BenchmarkConfig {
        ModelZoo.defaultChannels(model); // validates the name
        level = Levels.canonical(level);
        positive("batch", batch);
        positive("image size", imageSize);
        positive("channels", channels);
        positive("iterations", iterations);
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, not " + classes);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be >= 0, not " + warmup);
        }
    }

    /**
     * Returns the same configuration at another batch size.
     *
     * @param newBatch the batch size
     * @return the configuration
     */
    public BenchmarkConfig withBatch(int newBatch) {
        return new BenchmarkConfig(model, level, newBatch, imageSize, channels, classes, iterations, warmup, seed);
    }

    /**
     * Returns the CLI arguments that reproduce this configuration with the {@code benchmark}
     * subcommand (used to run it in a child JVM).
     *
     * @return the arguments after {@code benchmark}
     */
    public List<String> toArguments() {
        List<String> args = new ArrayList<>();
        args.addAll(List.of("--model", model, "--levels", level, "--batch", Integer.toString(batch)));
        args.addAll(List.of("--image-size", Integer.toString(imageSize), "--channels", Integer.toString(channels)));
        args.addAll(List.of("--classes", Integer.toString(classes), "--iterations", Integer.toString(iterations)));
        args.addAll(List.of("--warmup", Integer.toString(warmup), "--seed", Long.toString(seed)));
        return args;
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, not " + value);
        }
    }
}
