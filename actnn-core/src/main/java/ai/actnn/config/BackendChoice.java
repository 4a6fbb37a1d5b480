package ai.actnn.config;

import java.util.Locale;

/** Which quantization backend packs activations. */
public enum BackendChoice {
    /** CUDA kernels for CUDA tensors when they load, the CPU backend otherwise. */
    AUTO,
    /** Always the CPU backend (CUDA tensors are copied to host memory to be packed). */
    CPU,
    /** Always the CUDA kernels; fails if they cannot be loaded. */
    CUDA;

    /**
     * Parses a backend name, case-insensitively.
     *
     * @param text {@code auto}, {@code cpu} or {@code cuda}
     * @return the choice
     * @throws IllegalArgumentException naming the bad value and the allowed ones
     */
    public static BackendChoice parse(String text) {
        if (text != null) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the descriptive message
            }
        }
        throw new IllegalArgumentException(
                "Unknown backend '" + text + "': allowed are auto, cpu, cuda");
    }
}
