package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.models.ImageModelSpec;
import ai.actnn.examples.models.InputSize;
import ai.actnn.examples.report.JsonLines;

import org.junit.jupiter.api.Test;

/** The benchmark's JSON lines: docs/bench/tables.py and the parent of a child JVM read them. */
class BenchmarkLineTest {

    private static final double MB = 1 << 20;

    @Test
    void writesEveryFieldInTheDocumentedOrder() {
        BenchmarkResult r = new BenchmarkResult("bert-tiny", "L0", 16, InputSize.sequence(128, 128),
                Math.round(40.3 * MB), Math.round(44.4 * MB), Math.round(47.5 * MB), 67.94, 235.61, 26.081,
                Math.round(38.3 * MB), true, true, null);
        assertEquals("{\"model\":\"bert-tiny\",\"level\":\"L0\",\"batch\":16,\"image_size\":null,\"seq_len\":128,"
                + "\"width\":128,\"activation_mb\":40.3,\"peak_mb\":44.4,\"state_mb\":47.5,\"total_peak_mb\":91.9,"
                + "\"ips\":67.9,\"ms_per_step\":235.6,\"bits_avg\":26.08,\"saved_mb\":38.3,\"malloc_tuned\":true,"
                + "\"fresh_jvm\":true}", JsonLines.write(r.toJson()));
    }

    @Test
    void failuresAddTheErrorAndWriteUnmeasuredValuesAsNull() {
        BenchmarkConfig config = new BenchmarkConfig(new ImageModelSpec("lenet", 1, 28, 10), "L3", 8, 1, 0, 1);
        String json = JsonLines.write(BenchmarkResult.failed(config, "out of memory", true).toJson());
        assertEquals("{\"model\":\"lenet\",\"level\":\"L3\",\"batch\":8,\"image_size\":28,\"seq_len\":null,"
                + "\"width\":null,\"activation_mb\":null,\"peak_mb\":null,\"state_mb\":null,\"total_peak_mb\":null,"
                + "\"ips\":null,\"ms_per_step\":null,\"bits_avg\":null,\"saved_mb\":null,\"malloc_tuned\":false,"
                + "\"fresh_jvm\":true,\"error\":\"out of memory\"}", json);
        BenchmarkResult back = BenchmarkLine.parse(json).toResult();
        assertEquals("out of memory", back.error());
        assertEquals(-1, back.activationBytes());
        assertTrue(Double.isNaN(back.samplesPerSecond()));
    }

    @Test
    void sequenceResultsRoundTripToMibPrecision() {
        BenchmarkResult r = new BenchmarkResult("transformer", "L3", 4, InputSize.sequence(16, 64),
                1 << 20, 2 << 20, 3 << 20, 123.4, 32.4, 2.1, 5 << 20, true, false, null);
        BenchmarkResult back = BenchmarkLine.parse(JsonLines.write(r.toJson())).toResult();
        assertEquals(r, back);
        assertNull(back.size().imageSize());
    }

    @Test
    void linesWithoutModelLevelOrBatchAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchmarkLine.parse("{\"level\":\"L3\",\"batch\":8}"));
        assertTrue(e.getMessage().contains("'model'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchmarkLine.parse("{\"model\":\"mlp\",\"level\":\"L3\"}"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkLine.parse("child JVM crashed"));
    }
}
