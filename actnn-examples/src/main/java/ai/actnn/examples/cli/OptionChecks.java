package ai.actnn.examples.cli;

import ai.actnn.examples.engine.Levels;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.List;
import java.util.Locale;

/**
 * Validation of option values that picocli cannot check by type; every failure is a {@link
 * ParameterException}, so picocli prints the message with the usage and exits with code 2.
 */
final class OptionChecks {

    private OptionChecks() {}

    static String oneOf(CommandSpec spec, String option, String value, List<String> allowed) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw fail(spec, "Invalid value for option '" + option + "': '" + value + "' (allowed: "
                    + String.join(", ", allowed) + ")");
        }
        return v;
    }

    static List<String> allOneOf(CommandSpec spec, String option, List<String> values, List<String> allowed) {
        if (values == null || values.isEmpty()) {
            throw fail(spec, "Option '" + option + "' needs at least one value (allowed: " + String.join(", ", allowed) + ")");
        }
        return values.stream().map(v -> oneOf(spec, option, v, allowed)).distinct().toList();
    }

    static String level(CommandSpec spec, String option, String value) {
        try {
            return Levels.canonical(value);
        } catch (IllegalArgumentException e) {
            throw fail(spec, "Invalid value for option '" + option + "': " + e.getMessage());
        }
    }

    static List<String> levels(CommandSpec spec, String option, List<String> values) {
        try {
            return Levels.canonical(values);
        } catch (IllegalArgumentException e) {
            throw fail(spec, "Invalid value for option '" + option + "': " + e.getMessage());
        }
    }

    static int positive(CommandSpec spec, String option, int value) {
        if (value < 1) {
            throw fail(spec, "Invalid value for option '" + option + "': " + value + " (must be >= 1)");
        }
        return value;
    }

    static List<Integer> positive(CommandSpec spec, String option, List<Integer> values) {
        if (values == null || values.isEmpty()) {
            throw fail(spec, "Option '" + option + "' needs at least one value");
        }
        for (int v : values) {
            positive(spec, option, v);
        }
        return values.stream().distinct().toList();
    }

    static int nonNegative(CommandSpec spec, String option, int value) {
        if (value < 0) {
            throw fail(spec, "Invalid value for option '" + option + "': " + value + " (must be >= 0)");
        }
        return value;
    }

    static ParameterException fail(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
