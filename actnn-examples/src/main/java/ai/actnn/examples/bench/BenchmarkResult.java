package ai.actnn.examples.bench;

import ai.actnn.examples.models.InputSize;

/**
 * The measurement of one configuration. Memory is in bytes here and in MB (MiB) in JSON.
 *
 * @param model the model name
 * @param level the level
 * @param batch the batch size
 * @param size the input size: the image side, or the sequence length and width
 * @param activationBytes median over measured steps of RSS after forward - RSS before the step
 * @param peakBytes largest VmHWM - RSS before the step over measured steps
 * @param stateBytes median RSS before a step - RSS before the model was built: weights, gradients,
 *     optimizer state and the input batch
 * @param samplesPerSecond batch / median step time (forward, backward, optimizer step): images or
 *     sequences per second
 * @param msPerStep median step time in milliseconds
 * @param bitsAvg average bits per stored activation element, NaN when not reported
 * @param savedBytes the bytes the engine kept for backward in the last step by its own count
 *     (packed activations, masks, exact copies; each tensor once), -1 when not reported: small
 *     packed tensors reuse freed memory, so the resident-set figure can under-count them
 * @param mallocTuned whether the JVM ran with {@code MALLOC_MMAP_THRESHOLD_} (else memory is
 *     unreliable)
 * @param freshJvm whether it ran in a child JVM of its own
 * @param error why it failed, or {@code null}
 */
public record BenchmarkResult(
        String model, String level, int batch, InputSize size,
        long activationBytes, long peakBytes, long stateBytes,
        double samplesPerSecond, double msPerStep, double bitsAvg, long savedBytes,
        boolean mallocTuned, boolean freshJvm, String error) {

    /**
     * Creates the result of a configuration that failed.
     *
     * @param config the configuration
     * @param error why it failed
     * @param freshJvm whether it ran in a child JVM
     * @return the result, with NaN and -1 for the unmeasured values
     */
    public static BenchmarkResult failed(BenchmarkConfig config, String error, boolean freshJvm) {
        return new BenchmarkResult(config.modelName(), config.level(), config.batch(), config.model().size(),
                -1, -1, -1, Double.NaN, Double.NaN, Double.NaN, -1, false, freshJvm, error);
    }

    /**
     * Returns whether the configuration ran.
     *
     * @return whether there is no error
     */
    public boolean ok() {
        return error == null;
    }

    /**
     * Returns the memory that training needed at its peak above the process before the model:
     * state (weights, gradients, optimizer, batch) + the step's peak. This is what a memory budget
     * is compared with (the counterpart of {@code torch.cuda.max_memory_allocated}).
     *
     * @return bytes, or -1 if unmeasured
     */
    public long totalPeakBytes() {
        return ok() && peakBytes >= 0 && stateBytes >= 0 ? stateBytes + peakBytes : -1;
    }

    /**
     * Returns the result in its JSON form.
     *
     * @return the line: model, level, batch, image_size (null for sequence models), seq_len and
     *     width (null for image models), activation_mb, peak_mb, state_mb, total_peak_mb, ips
     *     (images or sequences per second), ms_per_step, bits_avg, saved_mb, malloc_tuned, fresh_jvm
     *     and, on failure, error
     */
    public BenchmarkLine toJson() {
        return BenchmarkLine.of(this);
    }

    /**
     * Returns the same result marked as measured in a child JVM.
     *
     * @return the result
     */
    public BenchmarkResult inFreshJvm() {
        return new BenchmarkResult(model, level, batch, size, activationBytes, peakBytes, stateBytes,
                samplesPerSecond, msPerStep, bitsAvg, savedBytes, mallocTuned, true, error);
    }
}
