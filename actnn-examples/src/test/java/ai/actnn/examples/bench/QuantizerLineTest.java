package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.actnn.examples.report.JsonLines;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/** The quantizer benchmark's JSON lines, as docs/bench/results/quantizer.jsonl holds them. */
class QuantizerLineTest {

    private static final Shape SHAPE = new Shape(32, 64, 32, 32);

    @Test
    void copiesNameTheirMethodWithFourDecimalsEverywhere() {
        QuantizerBenchmark.Result copy = new QuantizerBenchmark.Result(
                SHAPE, DataType.FLOAT32, 0, "copy", 0.6245, 0.32, 13.4315, 13.4315, 0, "vector", 2);
        assertEquals("{\"bench\":\"quantizer\",\"shape\":[32,64,32,32],\"dtype\":\"float32\",\"bits\":0,"
                + "\"op\":\"copy\",\"ms_median\":0.6245,\"ms_min\":0.3200,\"gb_per_s\":13.4315,"
                + "\"copy_gb_per_s\":13.4315,\"ratio_to_copy\":1.0000,\"copy_method\":\"NDArray.duplicate\","
                + "\"kernel\":\"vector\",\"threads\":2}", JsonLines.write(copy.toJson()));
        QuantizerBenchmark.Result memcpy = new QuantizerBenchmark.Result(
                SHAPE, DataType.FLOAT32, 0, "memcpy", 0.2898, 0.254, 28.9414, 13.4315, 0, "vector", 2);
        assertEquals("{\"bench\":\"quantizer\",\"shape\":[32,64,32,32],\"dtype\":\"float32\",\"bits\":0,"
                + "\"op\":\"memcpy\",\"ms_median\":0.2898,\"ms_min\":0.2540,\"gb_per_s\":28.9414,"
                + "\"copy_gb_per_s\":13.4315,\"ratio_to_copy\":2.1547,"
                + "\"copy_method\":\"direct ByteBuffer.put into a preallocated buffer, one thread\","
                + "\"kernel\":\"vector\",\"threads\":2}", JsonLines.write(memcpy.toJson()));
    }

    @Test
    void quantizerOperationsGiveTheirPackedSizeAndRounding() {
        QuantizerBenchmark.Result quantize = new QuantizerBenchmark.Result(
                SHAPE, DataType.FLOAT32, 1, "quantize_pack", 3.9332, 3.633, 2.1328, 2.5816, 294912, "vector", 2);
        assertEquals("{\"bench\":\"quantizer\",\"shape\":[32,64,32,32],\"dtype\":\"float32\",\"bits\":1,"
                + "\"op\":\"quantize_pack\",\"ms_median\":3.9332,\"ms_min\":3.6330,\"gb_per_s\":2.1328,"
                + "\"copy_gb_per_s\":2.5816,\"ratio_to_copy\":0.8262,\"packed_bytes\":294912,"
                + "\"rounding\":\"stochastic\",\"kernel\":\"vector\",\"threads\":2}", JsonLines.write(quantize.toJson()));
        QuantizerBenchmark.Result nearest = new QuantizerBenchmark.Result(
                SHAPE, DataType.FLOAT32, 2, "quantize_pack_nearest", 1, 1, 2, 2, 557056, "scalar", 1);
        assertEquals("{\"bench\":\"quantizer\",\"shape\":[32,64,32,32],\"dtype\":\"float32\",\"bits\":2,"
                + "\"op\":\"quantize_pack_nearest\",\"ms_median\":1.0000,\"ms_min\":1.0000,\"gb_per_s\":2.0000,"
                + "\"copy_gb_per_s\":2.0000,\"ratio_to_copy\":1.0000,\"packed_bytes\":557056,"
                + "\"rounding\":\"nearest\",\"kernel\":\"scalar\",\"threads\":1}", JsonLines.write(nearest.toJson()));
    }
}
