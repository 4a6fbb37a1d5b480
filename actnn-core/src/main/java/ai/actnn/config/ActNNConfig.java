package ai.actnn.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration of activation compression: every field of ActNN's {@code QuantizationConfig}
 * with typed, validated accessors, plus the seed of the random rounding, the backend choice and
 * the error bound of the {@code auto} level.
 *
 * <p>An optimization level is a coherent preset: {@link #setLevel(OptimizationLevel)} first resets
 * every field that a level controls, then applies the level, so setting a level twice never stacks.
 * Fields set afterwards override the preset. The engine reads a {@link #copy() snapshot} at the
 * start of each training step, so changing the configuration never affects a step in progress.
 *
 * <p>Instances are thread-safe: accessors synchronize on the instance.
 */
public final class ActNNConfig {

    private static final Logger logger = LoggerFactory.getLogger(ActNNConfig.class);

    /** Bit widths that the packed format supports: every integer from 1 to 8. */
    public static final int[] SUPPORTED_BITS = {1, 2, 3, 4, 5, 6, 7, 8};

    /** Group size of ActNN (elements sharing one min and one scale). */
    public static final int DEFAULT_GROUP_SIZE = 256;

    private OptimizationLevel level;
    private boolean compressActivation;
    private int[] activationCompressionBits;
    private boolean perGroup;
    private boolean perLayer;
    private int initialBits;
    private boolean stochastic;
    private int groupSize;
    private boolean useGradient;
    private boolean adaptiveConvScheme;
    private boolean adaptiveBnScheme;
    private boolean simulate;
    private boolean enableQuantizedBn;
    private boolean swap;
    private boolean allocatorTuning;
    private long seed;
    private BackendChoice backend;
    private double errorBound;
    private int autoInterval;
    private boolean recompute;

    /** Creates a configuration at level L3, ActNN's default. */
    public ActNNConfig() {
        seed = 0x5EEDL;
        backend = BackendChoice.AUTO;
        setLevel(OptimizationLevel.L3);
    }

    private ActNNConfig(ActNNConfig o) {
        synchronized (o) {
            level = o.level;
            compressActivation = o.compressActivation;
            activationCompressionBits = o.activationCompressionBits.clone();
            perGroup = o.perGroup;
            perLayer = o.perLayer;
            initialBits = o.initialBits;
            stochastic = o.stochastic;
            groupSize = o.groupSize;
            useGradient = o.useGradient;
            adaptiveConvScheme = o.adaptiveConvScheme;
            adaptiveBnScheme = o.adaptiveBnScheme;
            simulate = o.simulate;
            enableQuantizedBn = o.enableQuantizedBn;
            swap = o.swap;
            allocatorTuning = o.allocatorTuning;
            seed = o.seed;
            backend = o.backend;
            errorBound = o.errorBound;
            autoInterval = o.autoInterval;
            recompute = o.recompute;
        }
    }

    /**
     * Returns an independent copy (a snapshot) of this configuration.
     *
     * @return the copy
     */
    public ActNNConfig copy() {
        return new ActNNConfig(this);
    }

    /**
     * Reads a configuration from system properties and environment variables, starting from L3.
     * System properties win over environment variables. Recognised: {@code actnn.level} /
     * {@code ACTNN_LEVEL}, {@code actnn.bits} / {@code ACTNN_BITS} (comma-separated),
     * {@code actnn.groupSize} / {@code ACTNN_GROUP_SIZE}, {@code actnn.seed} / {@code
     * ACTNN_SEED}, {@code actnn.backend} / {@code ACTNN_BACKEND}, {@code actnn.stochastic} /
     * {@code ACTNN_STOCHASTIC}, {@code actnn.errorBound} / {@code ACTNN_ERROR_BOUND}, {@code actnn.recompute} / {@code
     * ACTNN_RECOMPUTE}.
     *
     * @return the configuration
     * @throws IllegalArgumentException if a value is invalid; the message names the variable
     */
    public static ActNNConfig fromEnvironment() {
        return fromSources(System.getProperties()::getProperty, System.getenv());
    }

    /**
     * Reads a configuration from the given sources (see {@link #fromEnvironment()}).
     *
     * @param properties the system-property lookup
     * @param environment the environment variables
     * @return the configuration
     */
    public static ActNNConfig fromSources(
            Function<String, String> properties, Map<String, String> environment) {
        ActNNConfig config = new ActNNConfig();
        Setting.LEVEL.apply(config, properties, environment, v -> config.setLevel(v));
        Setting.BITS.apply(config, properties, environment, v -> config.setActivationCompressionBits(parseInts(v)));
        Setting.GROUP_SIZE.apply(config, properties, environment, v -> config.setGroupSize(Integer.parseInt(v.trim())));
        Setting.SEED.apply(config, properties, environment, v -> config.setSeed(Long.parseLong(v.trim())));
        Setting.BACKEND.apply(config, properties, environment, v -> config.setBackend(BackendChoice.parse(v)));
        Setting.STOCHASTIC.apply(config, properties, environment, v -> config.setStochastic(parseBoolean(v)));
        Setting.ERROR_BOUND.apply(config, properties, environment, v -> config.setErrorBound(Double.parseDouble(v.trim())));
        Setting.RECOMPUTE.apply(config, properties, environment, v -> config.setRecompute(parseBoolean(v)));
        return config;
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
        RECOMPUTE("actnn.recompute", "ACTNN_RECOMPUTE");

        private final String property;
        private final String variable;

        Setting(String property, String variable) {
            this.property = property;
            this.variable = variable;
        }

        void apply(
                ActNNConfig config,
                Function<String, String> properties,
                Map<String, String> environment,
                java.util.function.Consumer<String> setter) {
            String value = properties.apply(property);
            String source = "-D" + property;
            if (value == null) {
                value = environment.get(variable);
                source = variable;
            }
            if (value == null) {
                return;
            }
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + "=" + value + ": " + e.getMessage(), e);
            }
            logger.debug("ActNN setting {}={} from {}", property, value, source);
        }
    }

    private static int[] parseInts(String text) {
        String[] parts = text.split(",");
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + parts[i].trim() + "' is not an integer bit width", e);
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
        throw new IllegalArgumentException("'" + text + "' is not a boolean (true/false)");
    }

    /**
     * Resets every level-controlled field, then applies the preset of {@code level}. The seed, the
     * backend choice, the error bound and {@link #isRecompute() recomputation} are not level-controlled and stay as they are.
     *
     * @param level the level
     * @return this configuration
     */
    public synchronized ActNNConfig setLevel(OptimizationLevel level) {
        Objects.requireNonNull(level, "level");
        // ActNN's defaults (= L3).
        compressActivation = true;
        activationCompressionBits = new int[] {2, 8, 8};
        perGroup = true;
        perLayer = true;
        initialBits = 8;
        stochastic = true;
        groupSize = DEFAULT_GROUP_SIZE;
        useGradient = false;
        adaptiveConvScheme = true;
        adaptiveBnScheme = true;
        simulate = false;
        enableQuantizedBn = true;
        swap = false;
        allocatorTuning = false;
        if (errorBound <= 0) {
            // AC-GC's released setting: ||error of the weight gradient||^2 <= ||weight gradient||^2 / 2
            errorBound = 0.5;
        }
        if (autoInterval <= 0) {
            autoInterval = 100;
        }
        switch (level) {
            case L0:
                compressActivation = false;
                adaptiveConvScheme = false;
                adaptiveBnScheme = false;
                break;
            case L1:
                activationCompressionBits = new int[] {4};
                adaptiveConvScheme = false;
                adaptiveBnScheme = false;
                enableQuantizedBn = false;
                break;
            case L2:
                activationCompressionBits = new int[] {4};
                adaptiveConvScheme = false;
                adaptiveBnScheme = false;
                break;
            case L3:
            case AUTO:
                break;
            case L4:
                swap = true;
                break;
            case L5:
                swap = true;
                allocatorTuning = true;
                break;
            default:
                throw new IllegalArgumentException("Unhandled level " + level);
        }
        this.level = level;
        return this;
    }

    /**
     * Parses and applies a level (see {@link #setLevel(OptimizationLevel)}).
     *
     * @param level {@code "L0"}..{@code "L5"} or {@code "auto"}
     * @return this configuration
     * @throws IllegalArgumentException for an unknown level
     */
    public ActNNConfig setLevel(String level) {
        return setLevel(OptimizationLevel.parse(level));
    }

    /**
     * Returns the level last applied.
     *
     * @return the level
     */
    public synchronized OptimizationLevel getLevel() {
        return level;
    }

    /**
     * Returns whether activations are compressed at all (false at L0).
     *
     * @return whether activations are compressed
     */
    public synchronized boolean isCompressActivation() {
        return compressActivation;
    }

    /**
     * Turns activation compression on or off.
     *
     * @param value whether to compress
     * @return this configuration
     */
    public synchronized ActNNConfig setCompressActivation(boolean value) {
        compressActivation = value;
        return this;
    }

    /**
     * Returns the bit width of each layer group (ActNN's {@code activation_compression_bits});
     * layers belong to group 0 unless configured otherwise. At L3 this is the average budget.
     *
     * @return a copy of the bits per layer group
     */
    public synchronized int[] getActivationCompressionBits() {
        return activationCompressionBits.clone();
    }

    /**
     * Returns the bits of one layer group; groups past the end use the last entry.
     *
     * @param layerGroup the layer group, 0 for ordinary layers
     * @return the bits
     */
    public synchronized int getBits(int layerGroup) {
        if (layerGroup < 0) {
            throw new IllegalArgumentException("layer group " + layerGroup + " is negative");
        }
        return activationCompressionBits[Math.min(layerGroup, activationCompressionBits.length - 1)];
    }

    /**
     * Sets the bit width of each layer group.
     *
     * @param bits one or more values from 1 to 8
     * @return this configuration
     * @throws IllegalArgumentException if empty or any value is not a supported width
     */
    public synchronized ActNNConfig setActivationCompressionBits(int... bits) {
        if (bits == null || bits.length == 0) {
            throw new IllegalArgumentException("activation compression bits must not be empty");
        }
        for (int b : bits) {
            checkBits("activation compression bits", b);
        }
        activationCompressionBits = bits.clone();
        return this;
    }

    /**
     * Returns whether each group of {@link #getGroupSize()} elements has its own range (true) or
     * each sample has one range (false).
     *
     * @return the per-group flag
     */
    public synchronized boolean isPerGroup() {
        return perGroup;
    }

    /**
     * Sets per-group (true) or per-sample (false) ranges.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setPerGroup(boolean value) {
        perGroup = value;
        return this;
    }

    /**
     * Returns whether the adaptive level distributes bits across layers as well as samples.
     *
     * @return the per-layer flag
     */
    public synchronized boolean isPerLayer() {
        return perLayer;
    }

    /**
     * Sets whether bits are distributed across layers.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setPerLayer(boolean value) {
        perLayer = value;
        return this;
    }

    /**
     * Returns the bits used before any gradient is known (the first step at L3).
     *
     * @return the initial bits
     */
    public synchronized int getInitialBits() {
        return initialBits;
    }

    /**
     * Sets the bits used before any gradient is known.
     *
     * @param bits a value from 1 to 8
     * @return this configuration
     */
    public synchronized ActNNConfig setInitialBits(int bits) {
        checkBits("initial bits", bits);
        initialBits = bits;
        return this;
    }

    /**
     * Returns whether rounding is stochastic (unbiased) rather than to nearest.
     *
     * @return the flag
     */
    public synchronized boolean isStochastic() {
        return stochastic;
    }

    /**
     * Sets stochastic (unbiased) or nearest rounding.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setStochastic(boolean value) {
        stochastic = value;
        return this;
    }

    /**
     * Returns the number of elements sharing one minimum and one scale.
     *
     * @return the group size
     */
    public synchronized int getGroupSize() {
        return groupSize;
    }

    /**
     * Sets the group size.
     *
     * @param size a positive multiple of 32
     * @return this configuration
     * @throws IllegalArgumentException otherwise
     */
    public synchronized ActNNConfig setGroupSize(int size) {
        checkGroupSize(size);
        groupSize = size;
        return this;
    }

    /**
     * Returns whether per-dataset-sample gradient statistics are kept (ActNN's use_gradient).
     *
     * @return the flag
     */
    public synchronized boolean isUseGradient() {
        return useGradient;
    }

    /**
     * Sets whether per-dataset-sample gradient statistics are kept.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setUseGradient(boolean value) {
        useGradient = value;
        return this;
    }

    /**
     * Returns whether convolution and linear layers use adaptive bits.
     *
     * @return the flag
     */
    public synchronized boolean isAdaptiveConvScheme() {
        return adaptiveConvScheme;
    }

    /**
     * Sets whether convolution and linear layers use adaptive bits.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setAdaptiveConvScheme(boolean value) {
        adaptiveConvScheme = value;
        return this;
    }

    /**
     * Returns whether BatchNorm layers use adaptive bits.
     *
     * @return the flag
     */
    public synchronized boolean isAdaptiveBnScheme() {
        return adaptiveBnScheme;
    }

    /**
     * Sets whether BatchNorm layers use adaptive bits.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setAdaptiveBnScheme(boolean value) {
        adaptiveBnScheme = value;
        return this;
    }

    /**
     * Returns whether quantization is only simulated: activations are quantized and immediately
     * dequantized, so gradients see the quantization error but no memory is saved. For studying
     * accuracy.
     *
     * @return the flag
     */
    public synchronized boolean isSimulate() {
        return simulate;
    }

    /**
     * Sets simulated quantization.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setSimulate(boolean value) {
        simulate = value;
        return this;
    }

    /**
     * Returns whether BatchNorm inputs are compressed (false at L1).
     *
     * @return the flag
     */
    public synchronized boolean isEnableQuantizedBn() {
        return enableQuantizedBn;
    }

    /**
     * Sets whether BatchNorm inputs are compressed.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setEnableQuantizedBn(boolean value) {
        enableQuantizedBn = value;
        return this;
    }

    /**
     * Returns whether packed activations of GPU tensors are swapped to host memory (L4, L5). On
     * the CPU this has no effect.
     *
     * @return the flag
     */
    public synchronized boolean isSwap() {
        return swap;
    }

    /**
     * Sets swapping of packed activations to host memory.
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setSwap(boolean value) {
        swap = value;
        return this;
    }

    /**
     * Returns whether the GPU allocator is tuned against fragmentation (L5).
     *
     * @return the flag
     */
    public synchronized boolean isAllocatorTuning() {
        return allocatorTuning;
    }

    /**
     * Sets GPU allocator tuning (L5).
     *
     * @param value the flag
     * @return this configuration
     */
    public synchronized ActNNConfig setAllocatorTuning(boolean value) {
        allocatorTuning = value;
        return this;
    }

    /**
     * Returns the seed of the stochastic rounding (runs with the same seed pack the same bytes).
     *
     * @return the seed
     */
    public synchronized long getSeed() {
        return seed;
    }

    /**
     * Sets the seed of the stochastic rounding.
     *
     * @param value the seed
     * @return this configuration
     */
    public synchronized ActNNConfig setSeed(long value) {
        seed = value;
        return this;
    }

    /**
     * Returns the backend choice.
     *
     * @return the choice
     */
    public synchronized BackendChoice getBackend() {
        return backend;
    }

    /**
     * Sets the backend choice.
     *
     * @param value the choice
     * @return this configuration
     */
    public synchronized ActNNConfig setBackend(BackendChoice value) {
        backend = Objects.requireNonNull(value, "backend");
        return this;
    }

    /**
     * Returns AC-GC's {@code e^2} at the {@code auto} level: the error that compression may add to
     * each layer's parameter gradient, {@code E ||g~ - g||^2 <= e^2 ||g||^2} (default 0.5, AC-GC's
     * released setting).
     *
     * @return the error bound
     */
    public synchronized double getErrorBound() {
        return errorBound;
    }

    /**
     * Sets the error bound of the {@code auto} level.
     *
     * @param value a finite positive number
     * @return this configuration
     * @throws IllegalArgumentException otherwise
     */
    public synchronized ActNNConfig setErrorBound(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(
                    "error bound " + value + " is invalid: allowed is a finite number > 0");
        }
        errorBound = value;
        return this;
    }

    /**
     * Returns how many steps the {@code auto} level keeps its bits before measuring again.
     *
     * @return the interval in steps
     */
    public synchronized int getAutoInterval() {
        return autoInterval;
    }

    /**
     * Sets how many steps the {@code auto} level keeps its bits before measuring again.
     *
     * @param steps a positive number of steps
     * @return this configuration
     */
    public synchronized ActNNConfig setAutoInterval(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException(
                    "auto interval " + steps + " is invalid: allowed is a number of steps >= 1");
        }
        autoInterval = steps;
        return this;
    }

    /**
     * Returns whether the level distributes bits adaptively (L3 and above, with the adaptive conv
     * scheme on).
     *
     * @return whether bits are adaptive
     */
    public synchronized boolean isAdaptive() {
        return compressActivation
                && level != OptimizationLevel.AUTO
                && (adaptiveConvScheme || adaptiveBnScheme);
    }

    /**
     * Checks a bit width.
     *
     * @param what what the value is, for the message
     * @param bits the value
     * @throws IllegalArgumentException if not an integer from 1 to 8
     */
    public static void checkBits(String what, int bits) {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException(
                    what + " " + bits + " is not supported: allowed are " + Arrays.toString(SUPPORTED_BITS));
        }
    }

    /**
     * Returns whether cheap element-wise ops are recomputed in backward instead of keeping their
     * outputs (compression plus checkpointing, see {@link #setRecompute}).
     *
     * @return whether recomputation is on (default false)
     */
    public synchronized boolean isRecompute() {
        return recompute;
    }

    /**
     * Turns recomputation on or off. When on, the output of a cheap element-wise op (GELU, SiLU,
     * batch or layer normalisation) is not saved by the layer that consumes it: that layer's
     * saved input is recomputed in backward from the compressed input of the element-wise op,
     * which that op saves anyway. In a transformer's feed-forward block {@code Linear -> GELU ->
     * Linear}, for example, only the GELU input is kept (compressed); the second Linear's input
     * is recomputed from it. This keeps one compressed tensor per element-wise segment, for one
     * element-wise op more per segment in backward. Independent of the level; at L0 it changes
     * nothing but memory (recomputed inputs are exact). Not level-controlled: {@link #setLevel}
     * keeps it.
     *
     * @param value whether to recompute
     * @return this configuration
     */
    public synchronized ActNNConfig setRecompute(boolean value) {
        recompute = value;
        return this;
    }

    /**
     * Checks a group size.
     *
     * @param size the value
     * @throws IllegalArgumentException if not a positive multiple of 32
     */
    public static void checkGroupSize(int size) {
        if (size <= 0 || size % 32 != 0) {
            throw new IllegalArgumentException(
                    "group size " + size + " is invalid: allowed is a positive multiple of 32");
        }
    }

    /** {@inheritDoc} */
    @Override
    public synchronized String toString() {
        return "ActNNConfig{level="
                + level.label()
                + ", compress="
                + compressActivation
                + ", bits="
                + Arrays.toString(activationCompressionBits)
                + ", groupSize="
                + groupSize
                + ", perGroup="
                + perGroup
                + ", perLayer="
                + perLayer
                + ", initialBits="
                + initialBits
                + ", stochastic="
                + stochastic
                + ", adaptiveConv="
                + adaptiveConvScheme
                + ", adaptiveBn="
                + adaptiveBnScheme
                + ", quantizedBn="
                + enableQuantizedBn
                + ", simulate="
                + simulate
                + ", swap="
                + swap
                + ", seed="
                + seed
                + ", backend="
                + backend
                + (recompute ? ", recompute=true" : "")
                + (level == OptimizationLevel.AUTO ? ", errorBound=" + errorBound + ", interval=" + autoInterval : "")
                + '}';
    }
}
