package ai.actnn.examples.bench;

import ai.actnn.examples.engine.Levels;
import ai.actnn.examples.models.ModelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One benchmark configuration: a model with its input shape at a level and batch size, on random
 * inputs.
 *
 * <p>Invalid values (unknown level, non-positive sizes) throw {@link IllegalArgumentException};
 * the level is stored in its canonical spelling.
 *
 * @param model the model and its input shape ({@link ai.actnn.examples.models.ModelCatalog})
 * @param level a canonical level name
 * @param batch examples (images or sequences) per step
 * @param iterations measured steps
 * @param warmup unmeasured steps before them
 * @param seed seed of initialization and data
 */
public record BenchmarkConfig(ModelSpec model, String level, int batch, int iterations, int warmup, long seed) {

    /**
     * Validates the configuration.
     *
     * @param model see the record description
     * @param level see the record description
     * @param batch see the record description
     * @param iterations see the record description
     * @param warmup see the record description
     * @param seed see the record description
     * @throws IllegalArgumentException for an invalid value
     */
    public BenchmarkConfig {
        Objects.requireNonNull(model, "model");
        level = Levels.canonical(level);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, not " + batch);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, not " + iterations);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be >= 0, not " + warmup);
        }
    }

    /**
     * Returns the model's name.
     *
     * @return the name
     */
    public String modelName() {
        return model.name();
    }

    /**
     * Returns the same configuration at another batch size.
     *
     * @param newBatch the batch size
     * @return the configuration
     */
    public BenchmarkConfig withBatch(int newBatch) {
        return new BenchmarkConfig(model, level, newBatch, iterations, warmup, seed);
    }

    /**
     * Returns the CLI arguments that reproduce this configuration with the {@code benchmark}
     * subcommand (used to run it in a child JVM): the model's options, then level, batch,
     * iterations, warm-up and seed.
     *
     * @return the arguments after {@code benchmark}
     */
    public List<String> toArguments() {
        List<String> args = new ArrayList<>(model.arguments());
        args.addAll(List.of("--levels", level, "--batch", Integer.toString(batch)));
        args.addAll(List.of("--iterations", Integer.toString(iterations), "--warmup", Integer.toString(warmup)));
        args.addAll(List.of("--seed", Long.toString(seed)));
        return args;
    }
}
