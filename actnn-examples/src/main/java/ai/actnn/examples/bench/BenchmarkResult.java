package ai.actnn.examples.bench;

import ai.actnn.examples.models.InputSize;
import ai.actnn.examples.report.JsonLine;
import ai.actnn.examples.report.Units;

import java.util.Map;

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
     * Returns the result as one JSON object.
     *
     * @return the object: model, level, batch, image_size (null for sequence models), seq_len and
     *     width (null for image models), activation_mb, peak_mb, state_mb, total_peak_mb, ips
     *     (images or sequences per second), ms_per_step, bits_avg, saved_mb, malloc_tuned, fresh_jvm and, on
     *     failure, error
     */
    public JsonLine toJson() {
        JsonLine json = new JsonLine()
                .put("model", model)
                .put("level", level)
                .put("batch", batch)
                .put("image_size", size.imageSize())
                .put("seq_len", size.seqLen())
                .put("width", size.width())
                .put("activation_mb", mbOrNull(activationBytes))
                .put("peak_mb", mbOrNull(peakBytes))
                .put("state_mb", mbOrNull(stateBytes))
                .put("total_peak_mb", mbOrNull(totalPeakBytes()))
                .put("ips", Units.round(samplesPerSecond, 1))
                .put("ms_per_step", Units.round(msPerStep, 1))
                .put("bits_avg", Units.round(bitsAvg, 2))
                .put("saved_mb", mbOrNull(savedBytes))
                .put("malloc_tuned", mallocTuned)
                .put("fresh_jvm", freshJvm);
        if (error != null) {
            json.put("error", error);
        }
        return json;
    }

    /**
     * Reads a result back from the fields of {@link #toJson()} (as a child JVM prints it).
     *
     * @param f the parsed JSON fields
     * @return the result (MB values come back as bytes, to MiB precision)
     * @throws IllegalArgumentException if a required field is missing or has the wrong type, or
     *     the sizes are neither an image side nor a sequence length with a width
     */
    public static BenchmarkResult fromJson(Map<String, Object> f) {
        return new BenchmarkResult(
                string(f, "model"), string(f, "level"), (int) number(f, "batch"),
                new InputSize(intOrNull(f, "image_size"), intOrNull(f, "seq_len"), intOrNull(f, "width")),
                bytes(f, "activation_mb"), bytes(f, "peak_mb"), bytes(f, "state_mb"),
                number(f, "ips"), number(f, "ms_per_step"), number(f, "bits_avg"), bytes(f, "saved_mb"),
                Boolean.TRUE.equals(f.get("malloc_tuned")), Boolean.TRUE.equals(f.get("fresh_jvm")),
                f.get("error") == null ? null : string(f, "error"));
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

    private static Double mbOrNull(long bytes) {
        return bytes < 0 ? null : Units.mb(bytes);
    }

    private static String string(Map<String, Object> f, String key) {
        if (!(f.get(key) instanceof String s)) {
            throw new IllegalArgumentException("benchmark JSON lacks string field " + key);
        }
        return s;
    }

    private static double number(Map<String, Object> f, String key) {
        Object v = f.get(key);
        if (v == null && f.containsKey(key)) {
            return Double.NaN;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("benchmark JSON lacks number field " + key);
        }
        return n.doubleValue();
    }

    private static Integer intOrNull(Map<String, Object> f, String key) {
        Object v = f.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("benchmark JSON field " + key + " is not a number: " + v);
        }
        return n.intValue();
    }

    private static long bytes(Map<String, Object> f, String key) {
        double mb = number(f, key);
        return Double.isNaN(mb) ? -1 : Math.round(mb * Units.BYTES_PER_MB);
    }
}
