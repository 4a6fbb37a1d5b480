package ai.actnn.config;

import ai.actnn.internal.SettingLookup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads a configuration from system properties and environment variables
 * ({@link ActNNConfig#fromEnvironment()}): each setting has one of each, the property wins, and a
 * bad value fails with a message naming where it came from.
 */
final class ConfigSources {

    private static final Logger logger = LoggerFactory.getLogger(ConfigSources.class);

    private ConfigSources() {}

    /**
     * Reads a configuration.
     *
     * @param properties the system-property lookup
     * @param environment the environment variables
     * @return the configuration
     * @throws IllegalArgumentException if a value is invalid; the message names the variable
     */
    static ActNNConfig read(Function<String, String> properties, Map<String, String> environment) {
        ActNNConfig.Builder b = ActNNConfig.builder();
        Setting.LEVEL.apply(properties, environment, b::optLevel);
        Setting.BITS.apply(properties, environment, v -> b.optActivationCompressionBits(parseInts(v)));
        Setting.GROUP_SIZE.apply(properties, environment, v -> b.optGroupSize(parseInt(v)));
        Setting.SEED.apply(properties, environment, v -> b.optSeed(parseLong(v)));
        Setting.BACKEND.apply(properties, environment, v -> b.optBackend(BackendChoice.parse(v)));
        Setting.STOCHASTIC.apply(properties, environment, v -> b.optStochastic(parseBoolean(v)));
        Setting.ERROR_BOUND.apply(properties, environment, v -> b.optErrorBound(parseDouble(v)));
        Setting.RECOMPUTE.apply(properties, environment, v -> b.optRecompute(parseBoolean(v)));
        Setting.SYNC_BN.apply(properties, environment, v -> b.optSyncBatchNorm(parseBoolean(v)));
        return b.build();
    }

    /** The externally settable fields: a system property and an environment variable each. */
    private enum Setting {
        LEVEL("actnn.level", "ACTNN_LEVEL"),
        BITS("actnn.bits", "ACTNN_BITS"),
        GROUP_SIZE("actnn.groupSize", "ACTNN_GROUP_SIZE"),
        SEED("actnn.seed", "ACTNN_SEED"),
        BACKEND("actnn.backend", "ACTNN_BACKEND"),
        STOCHASTIC("actnn.stochastic", "ACTNN_STOCHASTIC"),
        ERROR_BOUND("actnn.errorBound", "ACTNN_ERROR_BOUND"),
        RECOMPUTE("actnn.recompute", "ACTNN_RECOMPUTE"),
        SYNC_BN("actnn.syncBatchNorm", "ACTNN_SYNC_BN");

        private final String property;
        private final String variable;

        Setting(String property, String variable) {
            this.property = property;
            this.variable = variable;
        }

        void apply(Function<String, String> properties, Map<String, String> environment, Consumer<String> setter) {
            Optional<SettingLookup.Found> found = SettingLookup.find(property, variable, properties, environment);
            if (found.isEmpty()) {
                return;
            }
            try {
                setter.accept(found.get().value());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(found.get().describe() + ": " + e.getMessage(), e);
            }
            logger.debug("ActNN setting {}={} from {}", property, found.get().value(), found.get().source());
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an integer", e);
        }
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an integer", e);
        }
    }

    private static double parseDouble(String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number", e);
        }
    }

    private static int[] parseInts(String text) {
        String[] parts = text.split(",");
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i].trim() + "' is not an integer bit width", e);
            }
        }
        return values;
    }

    private static boolean parseBoolean(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if ("true".equals(t) || "1".equals(t) || "yes".equals(t)) {
            return true;
        }
        if ("false".equals(t) || "0".equals(t) || "no".equals(t)) {
            return false;
        }
        throw new IllegalArgumentException("'" + text + "' is not a boolean: allowed are true/false, 1/0, yes/no");
    }
}
