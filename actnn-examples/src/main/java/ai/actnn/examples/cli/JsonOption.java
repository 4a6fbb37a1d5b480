package ai.actnn.examples.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: JSON lines on standard output instead of a table. A command says what each line
 * holds in its resource bundle under the key {@code json}.
 */
public final class JsonOption {

    @Option(names = "--json", descriptionKey = "json",
            description = "Print one JSON object per line instead of a table.")
    boolean json;

    /**
     * Returns whether JSON lines were asked for.
     *
     * @return whether {@code --json} was given
     */
    public boolean enabled() {
        return json;
    }
}
