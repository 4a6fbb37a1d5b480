package ai.actnn.examples.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --iterations} and {@code --warmup} of the benchmarks: timed repetitions, and untimed ones
 * before them. A benchmark step and a quantizer call differ in cost by orders of magnitude, so
 * each command that mixes this in sets {@code iterations.default} and {@code warmup.default} in its
 * resource bundle, and may describe the options there under {@code iterations} and {@code warmup}.
 */
public final class TimingOptions {

    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Option(names = "--iterations", defaultValue = "${bundle:iterations.default}", paramLabel = "K",
            descriptionKey = "iterations", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "${bundle:warmup.default}", paramLabel = "W",
            descriptionKey = "warmup", description = "Untimed iterations before them (default: ${DEFAULT-VALUE}).")
    int warmup;

    /**
     * Returns the number of timed iterations.
     *
     * @return the iterations, at least 1
     * @throws picocli.CommandLine.ParameterException if it is below 1
     */
    public int iterations() {
        return OptionChecks.positive(command, "--iterations", iterations);
    }

    /**
     * Returns the number of untimed iterations before the timed ones.
     *
     * @return the warm-up iterations, at least 0
     * @throws picocli.CommandLine.ParameterException if it is negative
     */
    public int warmup() {
        return OptionChecks.nonNegative(command, "--warmup", warmup);
    }
}
