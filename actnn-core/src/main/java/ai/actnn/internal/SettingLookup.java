package ai.actnn.internal;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds a setting that may come from a system property or an environment variable, the property
 * winning, and names where it came from, so that an error can say which value to fix ({@code
 * -Dactnn.level=L9} or {@code ACTNN_LEVEL=L9}).
 */
public final class SettingLookup {

    private SettingLookup() {}

    /**
     * A value found, with its source.
     *
     * @param value the raw text
     * @param source {@code -Dproperty} or the variable's name
     */
    public record Found(String value, String source) {

        /**
         * Returns the text that names the setting and its value, for messages.
         *
         * @return {@code source=value}
         */
        public String describe() {
            return source + "=" + value;
        }
    }

    /**
     * Looks a setting up.
     *
     * @param property the system property's name
     * @param variable the environment variable's name
     * @param properties the system properties (usually {@code System::getProperty})
     * @param environment the environment (usually {@code System.getenv()})
     * @return the value and its source, or empty if neither is set
     */
    public static Optional<Found> find(
            String property, String variable, Function<String, String> properties, Map<String, String> environment) {
        String value = properties.apply(property);
        if (value != null) {
            return Optional.of(new Found(value, "-D" + property));
        }
        value = environment.get(variable);
        return value == null ? Optional.empty() : Optional.of(new Found(value, variable));
    }
}
