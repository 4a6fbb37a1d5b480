package ai.actnn.examples.cli;

import picocli.CommandLine.Option;

/**
 * {@code --seed}, shared by the commands that draw random numbers. What the seed seeds differs by
 * command, so a command may describe it in its resource bundle under the key {@code seed}.
 */
public final class SeedOption {

    @Option(names = "--seed", defaultValue = "42", descriptionKey = "seed",
            description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * Returns the seed.
     *
     * @return the given seed, or 42
     */
    public long value() {
        return seed;
    }
}
