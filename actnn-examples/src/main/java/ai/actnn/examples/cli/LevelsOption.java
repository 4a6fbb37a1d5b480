package ai.actnn.examples.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;

/**
 * {@code --levels}: the levels a command compares, comma-separated. The default differs by command
 * ({@code demo} compares L0 with L3, {@code benchmark} adds plain DJL), so each command that mixes
 * this in sets {@code levels.default} in its resource bundle, and may describe the option there
 * under {@code levels}.
 */
public final class LevelsOption {

    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Option(names = "--levels", defaultValue = "${bundle:levels.default}", split = ",", paramLabel = "LEVEL",
            descriptionKey = "levels",
            description = "Levels, comma-separated: plain, L0, L1, L2, L3, L4, L5, auto (default: ${DEFAULT-VALUE}).")
    List<String> levels;

    /**
     * Returns the levels in their canonical spelling, without duplicates, in the order given.
     *
     * @return the levels, at least one
     * @throws picocli.CommandLine.ParameterException for an unknown level, listing the allowed ones
     */
    public List<String> canonical() {
        return OptionChecks.levels(command, "--levels", levels);
    }
}
