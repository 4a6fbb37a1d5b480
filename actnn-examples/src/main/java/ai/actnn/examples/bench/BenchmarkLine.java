package ai.actnn.examples.bench;

import ai.actnn.examples.models.InputSize;
import ai.actnn.examples.report.JsonLines;
import ai.actnn.examples.report.Units;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A {@link BenchmarkResult} as one JSON line ({@link JsonLines}): memory in MB (MiB, one
 * decimal), speeds rounded, unknown values null. {@code docs/bench/tables.py} and the parent of a
 * child JVM read these lines, so the components' names and order are the format.
 *
 * @param model the model name
 * @param level the level
 * @param batch the batch size
 * @param imageSize the image side, null for sequence models
 * @param seqLen the sequence length, null for image models
 * @param width the sequence model's width, null for image models
 * @param activationMb median activation memory of a step
 * @param peakMb largest peak of a step above its start
 * @param stateMb weights, gradients, optimizer state and batch
 * @param totalPeakMb state + peak, what a memory budget is compared with
 * @param ips images or sequences per second
 * @param msPerStep median step time in milliseconds
 * @param bitsAvg average bits per stored activation element
 * @param savedMb what the engine kept for backward by its own count
 * @param mallocTuned whether the JVM ran with {@code MALLOC_MMAP_THRESHOLD_}
 * @param freshJvm whether it ran in a child JVM of its own
 * @param error why it failed; the field is left out when it did not
 */
public record BenchmarkLine(
        @JsonProperty(required = true) String model,
        @JsonProperty(required = true) String level,
        @JsonProperty(required = true) int batch,
        Integer imageSize, Integer seqLen, Integer width,
        Double activationMb, Double peakMb, Double stateMb, Double totalPeakMb,
        Double ips, Double msPerStep, Double bitsAvg, Double savedMb,
        boolean mallocTuned, boolean freshJvm,
        @JsonInclude(JsonInclude.Include.NON_NULL) String error) {

    /**
     * Returns the JSON form of a result.
     *
     * @param r the result
     * @return its line
     */
    public static BenchmarkLine of(BenchmarkResult r) {
        InputSize size = r.size();
        return new BenchmarkLine(r.model(), r.level(), r.batch(), size.imageSize(), size.seqLen(), size.width(),
                Units.mbOrNull(r.activationBytes()), Units.mbOrNull(r.peakBytes()), Units.mbOrNull(r.stateBytes()),
                Units.mbOrNull(r.totalPeakBytes()), Units.round(r.samplesPerSecond(), 1),
                Units.round(r.msPerStep(), 1), Units.round(r.bitsAvg(), 2), Units.mbOrNull(r.savedBytes()),
                r.mallocTuned(), r.freshJvm(), r.error());
    }

    /**
     * Reads a line that {@link #of} wrote (as a child JVM prints it).
     *
     * @param json the JSON text
     * @return the line
     * @throws IllegalArgumentException if the text is not such a line (not JSON, an unknown field,
     *     a missing model, level or batch)
     */
    public static BenchmarkLine parse(String json) {
        return JsonLines.read(json, BenchmarkLine.class);
    }

    /**
     * Returns the result this line describes: MB come back as bytes, to MiB precision.
     *
     * @return the result
     * @throws IllegalArgumentException if the sizes are neither an image side nor a sequence
     *     length with a width
     */
    public BenchmarkResult toResult() {
        return new BenchmarkResult(model, level, batch, new InputSize(imageSize, seqLen, width),
                Units.bytesOrUnknown(activationMb), Units.bytesOrUnknown(peakMb), Units.bytesOrUnknown(stateMb),
                orNaN(ips), orNaN(msPerStep), orNaN(bitsAvg), Units.bytesOrUnknown(savedMb),
                mallocTuned, freshJvm, error);
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }
}
