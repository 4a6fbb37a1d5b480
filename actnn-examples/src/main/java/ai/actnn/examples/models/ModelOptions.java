package ai.actnn.examples.models;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The sizes given for the models of a benchmark; an absent size means the model's default (see
 * {@link ModelCatalog}). Immutable.
 */
public final class ModelOptions {

    private static final ModelOptions DEFAULTS = new ModelOptions(new EnumMap<>(SizeOption.class));

    private final Map<SizeOption, Integer> values;

    private ModelOptions(EnumMap<SizeOption, Integer> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Returns options with every size at its default.
     *
     * @return the options
     */
    public static ModelOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Creates options from given sizes; {@code null} values are left out (default).
     *
     * @param values the sizes
     * @return the options
     * @throws IllegalArgumentException for a value below 1, naming its option
     */
    public static ModelOptions of(Map<SizeOption, Integer> values) {
        EnumMap<SizeOption, Integer> copy = new EnumMap<>(SizeOption.class);
        values.forEach((option, value) -> {
            if (value != null) {
                if (value < 1) {
                    throw new IllegalArgumentException(
                            "Invalid value for option '" + option.flag() + "': " + value + " (must be >= 1)");
                }
                copy.put(option, value);
            }
        });
        return new ModelOptions(copy);
    }

    /**
     * Returns a size, or a default when it was not given.
     *
     * @param option the size
     * @param defaultValue the value when absent
     * @return the value
     */
    public int get(SizeOption option, int defaultValue) {
        return values.getOrDefault(option, defaultValue);
    }

    /**
     * Returns the sizes that were given.
     *
     * @return the options set
     */
    public Set<SizeOption> given() {
        return values.keySet();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
