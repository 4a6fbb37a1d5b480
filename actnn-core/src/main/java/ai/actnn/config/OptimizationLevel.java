package ai.actnn.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The optimization levels of ActNN: each one is a coherent preset of {@link ActNNConfig} ({@link
 * #preset()}), applied by {@link ActNNConfig.Builder#optLevel}.
 *
 * <table>
 *   <caption>Levels</caption>
 *   <tr><th>Level</th><th>Meaning</th></tr>
 *   <tr><td>L0</td><td>no compression: exact gradients, but the engine still frees intermediates
 *       early (holds what PyTorch's autograd would hold)</td></tr>
 *   <tr><td>L1</td><td>4-bit per-group quantization; BatchNorm inputs kept in full precision</td></tr>
 *   <tr><td>L2</td><td>4-bit per-group quantization everywhere</td></tr>
 *   <tr><td>L3</td><td>2 bits on average, per-sample and per-layer adaptive bits (default)</td></tr>
 *   <tr><td>L4</td><td>L3 + packed activations of GPU tensors swapped to host memory</td></tr>
 *   <tr><td>L5</td><td>as L4 here: ActNN's L5 adds tuning of the CUDA caching allocator in its own
 *       PyTorch fork, which DJL cannot reach (docs/levels.md)</td></tr>
 *   <tr><td>auto</td><td>per-layer bits from an error bound on the gradient (AC-GC)</td></tr>
 * </table>
 *
 * <p>Every level applies to every saved tensor of the converted layers: convolutions, linear
 * layers, normalisations, attention (Q, K, V and the softmax output), and GELU/SiLU (a few-bit
 * code of the input region), tanh, sigmoid and softmax (their quantized output). Orthogonal to
 * the level, {@link ActNNConfig.Builder#optRecompute(boolean)} (default off) recomputes the
 * outputs of cheap element-wise ops in backward from their compressed inputs.
 */
public enum OptimizationLevel {
    /** No compression. */
    L0(new Preset(false, new int[] {2, 8, 8}, false, true, false)),
    /** Fixed 4 bits, BatchNorm not compressed. */
    L1(new Preset(true, new int[] {4}, false, false, false)),
    /** Fixed 4 bits everywhere. */
    L2(new Preset(true, new int[] {4}, false, true, false)),
    /** 2 bits on average with adaptive per-sample and per-layer bits. */
    L3(new Preset(true, new int[] {2, 8, 8}, true, true, false)),
    /** L3 plus swapping packed activations of GPU tensors to host memory. */
    L4(new Preset(true, new int[] {2, 8, 8}, true, true, true)),
    /** As L4 (ActNN's allocator tuning cannot be reached from DJL). */
    L5(new Preset(true, new int[] {2, 8, 8}, true, true, true)),
    /** Error-bounded automatic bits per layer (AC-GC). */
    AUTO(new Preset(true, new int[] {2, 8, 8}, true, true, false));

    private final Preset preset;

    OptimizationLevel(Preset preset) {
        this.preset = preset;
    }

    /**
     * Returns the fields this level sets.
     *
     * @return the preset
     */
    public Preset preset() {
        return preset;
    }

    /**
     * Returns the name users write for this level: {@code "L0"}..{@code "L5"} or {@code "auto"}.
     *
     * @return the level's name
     */
    public String label() {
        return this == AUTO ? "auto" : name();
    }

    /**
     * Parses a level name, case-insensitively.
     *
     * @param text a level name such as {@code "L3"} or {@code "auto"}
     * @return the level
     * @throws IllegalArgumentException naming the bad value and the allowed ones
     */
    public static OptimizationLevel parse(String text) {
        if (text != null) {
            String t = text.trim().toUpperCase(Locale.ROOT);
            for (OptimizationLevel level : values()) {
                if (level.name().equals(t)) {
                    return level;
                }
            }
        }
        throw new IllegalArgumentException(
                "Unknown optimization level '" + text + "': allowed are "
                        + Arrays.stream(values()).map(OptimizationLevel::label).collect(Collectors.joining(", ")));
    }

    /**
     * The fields of {@link ActNNConfig} that a level sets (the others keep ActNN's defaults when
     * a level is applied).
     *
     * @param compressActivation whether activations are compressed
     * @param bits the bits of each layer group
     * @param adaptive whether bits adapt per sample and layer (conv and batch-norm schemes)
     * @param quantizedBatchNorm whether batch normalisation inputs are compressed
     * @param swap whether packed activations of GPU tensors go to host memory
     */
    public record Preset(boolean compressActivation, int[] bits, boolean adaptive, boolean quantizedBatchNorm, boolean swap) {

        /**
         * Returns the bits of each layer group.
         *
         * @return a copy of the bits
         */
        @Override
        public int[] bits() {
            return bits.clone();
        }
    }
}
