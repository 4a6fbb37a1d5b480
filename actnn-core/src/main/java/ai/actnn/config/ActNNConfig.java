package ai.actnn.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration of activation compression, immutable: every field of ActNN's {@code
 * QuantizationConfig} with validated values, plus the seed of the random rounding, the backend
 * choice, the error bound of the {@code auto} level and the layer groups.
 *
 * <p>Built as DJL builds its objects:
 *
 * <pre>{@code
 * ActNNConfig config = ActNNConfig.builder()
 *         .optLevel(OptimizationLevel.L3)
 *         .optActivationCompressionBits(2, 8)
 *         .optLayerGroup("*attention*", 1)
 *         .build();
 * Trainer trainer = ActNN.newTrainer(model, trainingConfig, config);
 * }</pre>
 *
 * <p>An optimization level is a coherent preset ({@link OptimizationLevel}): {@link
 * Builder#optLevel} first resets every field that a level controls, then applies the level, so
 * setting a level twice never stacks; fields set afterwards override the preset. A trainer keeps
 * the configuration it was created with.
 */
public final class ActNNConfig {

    private static final Logger logger = LoggerFactory.getLogger(ActNNConfig.class);

    /** Bit widths that the packed format supports. */
    public static final int[] SUPPORTED_BITS = {1, 2, 3, 4, 5, 6, 7, 8};

    /** Group size of ActNN (elements sharing one min and one scale). */
    public static final int DEFAULT_GROUP_SIZE = 256;

    private final OptimizationLevel level;
    private final boolean compressActivation;
    private final int[] activationCompressionBits;
    private final boolean perGroup;
    private final boolean perLayer;
    private final int initialBits;
    private final boolean stochastic;
    private final int groupSize;
    private final boolean useGradient;
    private final boolean adaptiveConvScheme;
    private final boolean adaptiveBnScheme;
    private final boolean simulate;
    private final boolean enableQuantizedBn;
    private final boolean swap;
    private final long seed;
    private final BackendChoice backend;
    private final double errorBound;
    private final int autoInterval;
    private final boolean recompute;
    private final boolean syncBatchNorm;
    private final List<LayerGroupRule> layerGroups;

    private ActNNConfig(Builder b) {
        level = b.level;
        compressActivation = b.compressActivation;
        activationCompressionBits = b.activationCompressionBits.clone();
        perGroup = b.perGroup;
        perLayer = b.perLayer;
        initialBits = b.initialBits;
        stochastic = b.stochastic;
        groupSize = b.groupSize;
        useGradient = b.useGradient;
        adaptiveConvScheme = b.adaptiveConvScheme;
        adaptiveBnScheme = b.adaptiveBnScheme;
        simulate = b.simulate;
        enableQuantizedBn = b.enableQuantizedBn;
        swap = b.swap;
        seed = b.seed;
        backend = b.backend;
        errorBound = b.errorBound;
        autoInterval = b.autoInterval;
        recompute = b.recompute;
        syncBatchNorm = b.syncBatchNorm;
        layerGroups = Collections.unmodifiableList(new ArrayList<>(b.layerGroups));
    }

    /**
     * Returns a builder at level L3, ActNN's default.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding this configuration's values, to derive a changed copy.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the configuration of a level with every other field at its default.
     *
     * @param level the level
     * @return the configuration
     */
    public static ActNNConfig forLevel(OptimizationLevel level) {
        return builder().optLevel(level).build();
    }

    /**
     * Returns the configuration of a level with every other field at its default.
     *
     * @param level {@code "L0"}..{@code "L5"} or {@code "auto"}, case-insensitive
     * @return the configuration
     * @throws IllegalArgumentException for an unknown level, naming the allowed ones
     */
    public static ActNNConfig forLevel(String level) {
        return forLevel(OptimizationLevel.parse(level));
    }

    /**
     * Reads a configuration from system properties and environment variables, starting from L3.
     * System properties win over environment variables. Recognised: {@code actnn.level} /
     * {@code ACTNN_LEVEL}, {@code actnn.bits} / {@code ACTNN_BITS} (comma-separated), {@code
     * actnn.groupSize} / {@code ACTNN_GROUP_SIZE}, {@code actnn.seed} / {@code ACTNN_SEED},
     * {@code actnn.backend} / {@code ACTNN_BACKEND}, {@code actnn.stochastic} / {@code
     * ACTNN_STOCHASTIC}, {@code actnn.errorBound} / {@code ACTNN_ERROR_BOUND}, {@code
     * actnn.recompute} / {@code ACTNN_RECOMPUTE}, {@code actnn.syncBatchNorm} / {@code
     * ACTNN_SYNC_BN}.
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
     * @throws IllegalArgumentException if a value is invalid; the message names the variable
     */
    public static ActNNConfig fromSources(Function<String, String> properties, Map<String, String> environment) {
        return ConfigSources.read(properties, environment);
    }

    /**
     * Returns the level this configuration was built from.
     *
     * @return the level
     */
    public OptimizationLevel getLevel() {
        return level;
    }

    /**
     * Returns whether activations are compressed at all (false at L0).
     *
     * @return whether activations are compressed
     */
    public boolean isCompressActivation() {
        return compressActivation;
    }

    /**
     * Returns the bits of each layer group (ActNN's activation_compression_bits).
     *
     * @return a copy of the bits per group
     */
    public int[] getActivationCompressionBits() {
        return activationCompressionBits.clone();
    }

    /**
     * Returns the bits of a layer group (the last configured group's bits for higher groups).
     *
     * @param layerGroup the layer group, 0 for ordinary layers
     * @return the bits
     * @throws IllegalArgumentException if the group is negative
     */
    public int getBits(int layerGroup) {
        if (layerGroup < 0) {
            throw new IllegalArgumentException("layer group " + layerGroup + " is negative: allowed are 0 and above");
        }
        return activationCompressionBits[Math.min(layerGroup, activationCompressionBits.length - 1)];
    }

    /**
     * Returns the layer group of a saved activation: the group of the last {@link
     * Builder#optLayerGroup rule} whose pattern matches the site's name, else the site's default.
     *
     * @param siteName the name of the place where the activation is saved
     * @param defaultGroup the group that place has when no rule matches
     * @return the layer group
     */
    public int layerGroupOf(String siteName, int defaultGroup) {
        int group = defaultGroup;
        for (LayerGroupRule rule : layerGroups) {
            if (rule.matches(siteName)) {
                group = rule.group();
            }
        }
        return group;
    }

    /**
     * Returns whether each group has its own range (per-group quantization).
     *
     * @return whether quantization is per group
     */
    public boolean isPerGroup() {
        return perGroup;
    }

    /**
     * Returns whether bits are allocated per layer (L3).
     *
     * @return whether bits are per layer
     */
    public boolean isPerLayer() {
        return perLayer;
    }

    /**
     * Returns the bits of the adaptive levels before gradients are known.
     *
     * @return the initial bits
     */
    public int getInitialBits() {
        return initialBits;
    }

    /**
     * Returns whether rounding is stochastic (unbiased).
     *
     * @return whether rounding is stochastic
     */
    public boolean isStochastic() {
        return stochastic;
    }

    /**
     * Returns the number of elements that share one range.
     *
     * @return the group size
     */
    public int getGroupSize() {
        return groupSize;
    }

    /**
     * Returns whether the adaptive level keeps per-dataset-sample gradient statistics.
     *
     * @return whether gradients are tracked per dataset sample
     */
    public boolean isUseGradient() {
        return useGradient;
    }

    /**
     * Returns whether convolutions and linear layers get adaptive bits.
     *
     * @return the adaptive conv scheme flag
     */
    public boolean isAdaptiveConvScheme() {
        return adaptiveConvScheme;
    }

    /**
     * Returns whether batch normalisations get adaptive bits.
     *
     * @return the adaptive batch-norm scheme flag
     */
    public boolean isAdaptiveBnScheme() {
        return adaptiveBnScheme;
    }

    /**
     * Returns whether quantization is simulated (dequantized values kept: the error without the
     * memory saving).
     *
     * @return the simulate flag
     */
    public boolean isSimulate() {
        return simulate;
    }

    /**
     * Returns whether batch normalisation inputs are compressed (false at L1).
     *
     * @return the quantized batch-norm flag
     */
    public boolean isEnableQuantizedBn() {
        return enableQuantizedBn;
    }

    /**
     * Returns whether packed activations of GPU tensors are swapped to host memory (L4, L5).
     *
     * @return the swap flag
     */
    public boolean isSwap() {
        return swap;
    }

    /**
     * Returns the seed of the random streams (stochastic rounding, dropout masks).
     *
     * @return the seed
     */
    public long getSeed() {
        return seed;
    }

    /**
     * Returns the backend choice.
     *
     * @return the choice
     */
    public BackendChoice getBackend() {
        return backend;
    }

    /**
     * Returns the error bound of the {@code auto} level.
     *
     * @return the bound
     */
    public double getErrorBound() {
        return errorBound;
    }

    /**
     * Returns how many steps apart the {@code auto} level re-measures its bits.
     *
     * @return the interval in steps
     */
    public int getAutoInterval() {
        return autoInterval;
    }

    /**
     * Returns whether element-wise outputs are recomputed in backward instead of saved.
     *
     * @return the recompute flag
     */
    public boolean isRecompute() {
        return recompute;
    }

    /**
     * Returns whether {@code QModule.convert(block, config)} turns batch normalisations into
     * {@code QSyncBatchNorm}, whose batch statistics cover every split of a step in this process
     * and every process of a data-parallel group.
     *
     * @return the sync-batch-norm flag
     */
    public boolean isSyncBatchNorm() {
        return syncBatchNorm;
    }

    /**
     * Returns whether bits adapt per sample and per layer (L3-L5).
     *
     * @return whether the level is adaptive
     */
    public boolean isAdaptive() {
        return compressActivation && level != OptimizationLevel.AUTO && (adaptiveConvScheme || adaptiveBnScheme);
    }

    /**
     * Checks a bit width against the supported ones.
     *
     * @param what what the bits are for, for the message
     * @param bits the bit width
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static void checkBits(String what, int bits) {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException(
                    what + " " + bits + " is not supported: allowed are " + Arrays.toString(SUPPORTED_BITS));
        }
    }

    /**
     * Checks a group size.
     *
     * @param size the group size
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    public static void checkGroupSize(int size) {
        if (size <= 0 || size % 32 != 0) {
            throw new IllegalArgumentException("group size " + size + " is invalid: allowed is a positive multiple of 32");
        }
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object o) {
        return o instanceof ActNNConfig c && toString().equals(c.toString());
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "ActNNConfig{level=" + level.label()
                + ", compress=" + compressActivation
                + ", bits=" + Arrays.toString(activationCompressionBits)
                + ", groupSize=" + groupSize
                + ", perGroup=" + perGroup
                + ", perLayer=" + perLayer
                + ", initialBits=" + initialBits
                + ", stochastic=" + stochastic
                + ", useGradient=" + useGradient
                + ", adaptiveConv=" + adaptiveConvScheme
                + ", adaptiveBn=" + adaptiveBnScheme
                + ", quantizedBn=" + enableQuantizedBn
                + ", simulate=" + simulate
                + ", swap=" + swap
                + ", seed=" + seed
                + ", backend=" + backend
                + ", errorBound=" + errorBound
                + ", autoInterval=" + autoInterval
                + ", recompute=" + recompute
                + (syncBatchNorm ? ", syncBatchNorm=true" : "")
                + (layerGroups.isEmpty() ? "" : ", layerGroups=" + layerGroups)
                + '}';
    }

    /** Builds an {@link ActNNConfig}; starts at level L3 with ActNN's defaults. */
    public static final class Builder {

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
        private long seed = 0x5EEDL;
        private BackendChoice backend = BackendChoice.AUTO;
        // AC-GC's released setting: ||error of the weight gradient||^2 <= ||weight gradient||^2 / 2.
        private double errorBound = 0.5;
        private int autoInterval = 100;
        private boolean recompute;
        private boolean syncBatchNorm;
        private final List<LayerGroupRule> layerGroups = new ArrayList<>();

        Builder() {
            optLevel(OptimizationLevel.L3);
        }

        Builder(ActNNConfig c) {
            level = c.level;
            compressActivation = c.compressActivation;
            activationCompressionBits = c.activationCompressionBits.clone();
            perGroup = c.perGroup;
            perLayer = c.perLayer;
            initialBits = c.initialBits;
            stochastic = c.stochastic;
            groupSize = c.groupSize;
            useGradient = c.useGradient;
            adaptiveConvScheme = c.adaptiveConvScheme;
            adaptiveBnScheme = c.adaptiveBnScheme;
            simulate = c.simulate;
            enableQuantizedBn = c.enableQuantizedBn;
            swap = c.swap;
            seed = c.seed;
            backend = c.backend;
            errorBound = c.errorBound;
            autoInterval = c.autoInterval;
            recompute = c.recompute;
            syncBatchNorm = c.syncBatchNorm;
            layerGroups.addAll(c.layerGroups);
        }

        /**
         * Resets every level-controlled field to the level's preset. The seed, the backend choice,
         * the error bound, the auto interval, recomputation, synchronised batch norm and the layer
         * groups are not level-controlled and stay as they are.
         *
         * @param level the level
         * @return this builder
         */
        public Builder optLevel(OptimizationLevel level) {
            Objects.requireNonNull(level, "level");
            OptimizationLevel.Preset p = level.preset();
            this.level = level;
            compressActivation = p.compressActivation();
            activationCompressionBits = p.bits();
            perGroup = true;
            perLayer = true;
            initialBits = 8;
            stochastic = true;
            groupSize = DEFAULT_GROUP_SIZE;
            useGradient = false;
            adaptiveConvScheme = p.adaptive();
            adaptiveBnScheme = p.adaptive();
            simulate = false;
            enableQuantizedBn = p.quantizedBatchNorm();
            swap = p.swap();
            return this;
        }

        /**
         * Parses and applies a level (see {@link #optLevel(OptimizationLevel)}).
         *
         * @param level {@code "L0"}..{@code "L5"} or {@code "auto"}, case-insensitive
         * @return this builder
         * @throws IllegalArgumentException for an unknown level, naming the allowed ones
         */
        public Builder optLevel(String level) {
            return optLevel(OptimizationLevel.parse(level));
        }

        /**
         * Turns activation compression on or off.
         *
         * @param value whether to compress
         * @return this builder
         */
        public Builder optCompressActivation(boolean value) {
            compressActivation = value;
            return this;
        }

        /**
         * Sets the bits of each layer group (group 0 first).
         *
         * @param bits one or more widths from 1 to 8
         * @return this builder
         * @throws IllegalArgumentException if empty or a width is not from 1 to 8
         */
        public Builder optActivationCompressionBits(int... bits) {
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
         * Puts the activations saved at sites whose name matches a glob pattern ({@code *} any
         * characters, {@code ?} one) into a layer group; later rules win. Site names are the
         * Q-layers' names, e.g. {@code QAttention.softmax} or {@code QConv2d[64->128, 3x3]}.
         *
         * @param sitePattern the glob pattern
         * @param group the layer group, 0 or more
         * @return this builder
         * @throws IllegalArgumentException if the pattern is empty or the group negative
         */
        public Builder optLayerGroup(String sitePattern, int group) {
            if (sitePattern == null || sitePattern.isEmpty()) {
                throw new IllegalArgumentException("layer group pattern must not be empty");
            }
            if (group < 0) {
                throw new IllegalArgumentException("layer group " + group + " is negative: allowed are 0 and above");
            }
            layerGroups.add(LayerGroupRule.of(sitePattern, group));
            return this;
        }

        /**
         * Sets per-group quantization (one range per group of elements) or per-sample ranges.
         *
         * @param value whether ranges are per group
         * @return this builder
         */
        public Builder optPerGroup(boolean value) {
            perGroup = value;
            return this;
        }

        /**
         * Sets per-layer bit allocation (L3).
         *
         * @param value whether bits are allocated per layer
         * @return this builder
         */
        public Builder optPerLayer(boolean value) {
            perLayer = value;
            return this;
        }

        /**
         * Sets the bits of the adaptive levels before gradients are known.
         *
         * @param bits a width from 1 to 8
         * @return this builder
         * @throws IllegalArgumentException if the width is not from 1 to 8
         */
        public Builder optInitialBits(int bits) {
            checkBits("initial bits", bits);
            initialBits = bits;
            return this;
        }

        /**
         * Sets stochastic (unbiased) or nearest rounding.
         *
         * @param value whether rounding is stochastic
         * @return this builder
         */
        public Builder optStochastic(boolean value) {
            stochastic = value;
            return this;
        }

        /**
         * Sets the number of elements sharing one range.
         *
         * @param size a positive multiple of 32
         * @return this builder
         * @throws IllegalArgumentException for other sizes
         */
        public Builder optGroupSize(int size) {
            checkGroupSize(size);
            groupSize = size;
            return this;
        }

        /**
         * Sets whether the adaptive level keeps gradient statistics per dataset sample.
         *
         * @param value the use-gradient flag
         * @return this builder
         */
        public Builder optUseGradient(boolean value) {
            useGradient = value;
            return this;
        }

        /**
         * Sets adaptive bits for convolutions and linear layers.
         *
         * @param value the adaptive conv scheme flag
         * @return this builder
         */
        public Builder optAdaptiveConvScheme(boolean value) {
            adaptiveConvScheme = value;
            return this;
        }

        /**
         * Sets adaptive bits for batch normalisations.
         *
         * @param value the adaptive batch-norm scheme flag
         * @return this builder
         */
        public Builder optAdaptiveBnScheme(boolean value) {
            adaptiveBnScheme = value;
            return this;
        }

        /**
         * Sets simulated quantization: dequantized values are kept, so the gradient sees the
         * quantization error without the memory saving.
         *
         * @param value the simulate flag
         * @return this builder
         */
        public Builder optSimulate(boolean value) {
            simulate = value;
            return this;
        }

        /**
         * Sets whether batch normalisation inputs are compressed.
         *
         * @param value the quantized batch-norm flag
         * @return this builder
         */
        public Builder optEnableQuantizedBn(boolean value) {
            enableQuantizedBn = value;
            return this;
        }

        /**
         * Sets whether packed activations of GPU tensors are swapped to host memory.
         *
         * @param value the swap flag
         * @return this builder
         */
        public Builder optSwap(boolean value) {
            swap = value;
            return this;
        }

        /**
         * Sets the seed of the random streams.
         *
         * @param value the seed
         * @return this builder
         */
        public Builder optSeed(long value) {
            seed = value;
            return this;
        }

        /**
         * Sets the backend choice.
         *
         * @param value the choice
         * @return this builder
         */
        public Builder optBackend(BackendChoice value) {
            backend = Objects.requireNonNull(value, "backend");
            return this;
        }

        /**
         * Sets the error bound of the {@code auto} level.
         *
         * @param value a finite number above 0
         * @return this builder
         * @throws IllegalArgumentException for other values
         */
        public Builder optErrorBound(double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("error bound " + value + " is invalid: allowed is a finite number > 0");
            }
            errorBound = value;
            return this;
        }

        /**
         * Sets how many steps apart the {@code auto} level re-measures its bits.
         *
         * @param steps 1 or more
         * @return this builder
         * @throws IllegalArgumentException for fewer
         */
        public Builder optAutoInterval(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("auto interval " + steps + " is invalid: allowed is a number of steps >= 1");
            }
            autoInterval = steps;
            return this;
        }

        /**
         * Sets whether outputs of cheap element-wise ops are recomputed in backward from their
         * compressed inputs instead of being saved by the next layer.
         *
         * @param value the recompute flag
         * @return this builder
         */
        public Builder optRecompute(boolean value) {
            recompute = value;
            return this;
        }

        /**
         * Sets whether conversion with this configuration ({@code QModule.convert(block,
         * config)}) turns batch normalisations into {@code QSyncBatchNorm}: batch statistics over
         * all splits of a step (devices of one process) and all processes of a data-parallel
         * group, as ActNN converts PyTorch's {@code SyncBatchNorm}. Off by default. Not
         * level-controlled.
         *
         * @param value the sync-batch-norm flag
         * @return this builder
         */
        public Builder optSyncBatchNorm(boolean value) {
            syncBatchNorm = value;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the immutable configuration
         */
        public ActNNConfig build() {
            return new ActNNConfig(this);
        }
    }
}
