package ai.actnn.examples.bench;

import ai.actnn.examples.report.JsonLines;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.util.Locale;

/**
 * A {@link QuantizerBenchmark.Result} as one JSON line ({@link JsonLines}), as {@code
 * quantizer-bench --json} prints it: times and bandwidths with four decimals; the copy method for
 * the two copies, the packed size and the rounding for the quantizer's operations.
 *
 * @param bench always {@code quantizer}
 * @param shape the tensor's shape
 * @param dtype the tensor's data type, lower case
 * @param bits the bits (0 for the copies)
 * @param op the operation
 * @param msMedian the median time in milliseconds
 * @param msMin the shortest time in milliseconds
 * @param gbPerS the input's bytes per second, in 10^9
 * @param copyGbPerS the copy's bandwidth, measured alternately with this operation
 * @param ratioToCopy {@code gbPerS / copyGbPerS}
 * @param copyMethod how the copy was made; only for {@code copy} and {@code memcpy}
 * @param packedBytes the packed size; only for the quantizer's operations
 * @param rounding {@code stochastic} or {@code nearest}; only for the quantizer's operations
 * @param kernel the backend's kernel ("vector" or "scalar")
 * @param threads the backend's threads
 */
public record QuantizerLine(
        String bench, long[] shape, String dtype, int bits, String op,
        @JsonSerialize(using = JsonLines.FourDecimals.class) double msMedian,
        @JsonSerialize(using = JsonLines.FourDecimals.class) double msMin,
        @JsonSerialize(using = JsonLines.FourDecimals.class) double gbPerS,
        @JsonSerialize(using = JsonLines.FourDecimals.class) double copyGbPerS,
        @JsonSerialize(using = JsonLines.FourDecimals.class) double ratioToCopy,
        @JsonInclude(JsonInclude.Include.NON_NULL) String copyMethod,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long packedBytes,
        @JsonInclude(JsonInclude.Include.NON_NULL) String rounding,
        String kernel, int threads) {

    /**
     * Returns the JSON form of a measurement.
     *
     * @param r the measurement
     * @return its line
     */
    public static QuantizerLine of(QuantizerBenchmark.Result r) {
        String copyMethod = switch (r.op()) {
            case "copy" -> "NDArray.duplicate";
            case "memcpy" -> "direct ByteBuffer.put into a preallocated buffer, one thread";
            default -> null;
        };
        boolean quantizer = copyMethod == null;
        return new QuantizerLine("quantizer", r.shape().getShape(), r.dataType().toString().toLowerCase(Locale.ROOT),
                r.bits(), r.op(), r.msMedian(), r.msMin(), r.gbPerSecond(), r.copyGbPerSecond(), r.ratioToCopy(),
                copyMethod, quantizer ? r.packedBytes() : null,
                quantizer ? (r.op().endsWith("nearest") ? "nearest" : "stochastic") : null,
                r.kernel(), r.threads());
    }
}
