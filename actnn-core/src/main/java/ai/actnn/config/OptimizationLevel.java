package ai.actnn.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The optimization levels of ActNN: each one is a coherent preset of {@link ActNNConfig}.
 *
 * <table>
 *   <caption>Levels</caption>
 *   <tr><th>Level</th><th>Meaning</th></tr>
 *   <tr><td>L0</td><td>no compression: exact gradients, but the engine still frees intermediates
 *       early (holds what PyTorch's autograd would hold)</td></tr>
 *   <tr><td>L1</td><td>4-bit per-group quantization; BatchNorm inputs kept in full precision</td></tr>
 *   <tr><td>L2</td><td>4-bit per-group quantization everywhere</td></tr>
 *   <tr><td>L3</td><td>2 bits on average, per-sample and per-layer adaptive bits (default)</td></tr>
 *   <tr><td>L4</td><td>L3 + packed activations swapped to host memory (GPU only)</td></tr>
 *   <tr><td>L5</td><td>L4 + allocator tuning (GPU only)</td></tr>
 *   <tr><td>auto</td><td>per-layer bits from an error bound on the gradient (AC-GC)</td></tr>
 * </table>
 *
 * <p>Every level applies to every saved tensor of the converted layers: convolutions, linear
 * layers, normalisations, attention (Q, K, V and the softmax output), and GELU/SiLU (a few-bit
 * code of the input region), tanh, sigmoid and softmax (their quantized output). Orthogonal to
 * the level, {@link ActNNConfig#setRecompute(boolean)} (default off) recomputes the outputs of
 * cheap element-wise ops (activations, normalisations) in backward from their compressed inputs
 * instead of keeping them for the next layer: compression plus checkpointing, one compressed
 * tensor per element-wise segment.
 */
public enum OptimizationLevel {
    /** No compression. */
    L0,
    /** Fixed 4 bits, BatchNorm not compressed. */
    L1,
    /** Fixed 4 bits everywhere. */
    L2,
    /** 2 bits on average with adaptive per-sample and per-layer bits. */
    L3,
    /** L3 plus swapping packed activations to host memory. */
    L4,
    /** L4 plus allocator tuning. */
    L5,
    /** Error-bounded automatic bits per layer (AC-GC). */
    AUTO;

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
                "Unknown optimization level '"
                        + text
                        + "': allowed are "
                        + Arrays.stream(values())
                                .map(OptimizationLevel::label)
                                .collect(Collectors.joining(", ")));
    }
}
