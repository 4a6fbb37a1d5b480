package ai.actnn.examples.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The training recipe of the MNIST commands ({@code demo}, {@code train}): batch size and Adam's
 * learning rate, with the defaults of docs/benchmarks.md's accuracy table.
 */
public final class RecipeOptions {

    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "RATE",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    /**
     * Returns the batch size.
     *
     * @return the batch size, at least 1
     * @throws picocli.CommandLine.ParameterException if it is below 1
     */
    public int batch() {
        return OptionChecks.positive(command, "--batch", batch);
    }

    /**
     * Returns the learning rate.
     *
     * @return the learning rate, a finite number above 0
     * @throws picocli.CommandLine.ParameterException if it is not
     */
    public float learningRate() {
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw OptionChecks.fail(command, "Invalid value for option '--lr': " + learningRate + " (must be > 0)");
        }
        return learningRate;
    }
}
