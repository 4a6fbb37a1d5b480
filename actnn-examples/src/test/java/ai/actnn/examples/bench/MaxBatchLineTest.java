package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.actnn.examples.report.JsonLines;

import org.junit.jupiter.api.Test;

import java.util.List;

class MaxBatchLineTest {

    @Test
    void writesTheSearchWithUnmeasuredProbesAsNull() {
        long mb = 1 << 20;
        MaxBatchSearch.Result search = new MaxBatchSearch.Result(64, List.of(
                new MaxBatchSearch.Point(32, Math.round(286.5 * mb), true),
                new MaxBatchSearch.Point(64, 530 * mb, true),
                new MaxBatchSearch.Point(128, -1, false)), false);
        assertEquals("{\"model\":\"resnet18\",\"level\":\"plain\",\"max_batch\":64,\"memory_budget_mb\":1024,"
                + "\"hit_limit\":false,\"probe_batches\":[32,64,128],\"probe_total_peak_mb\":[286.5,530,null]}",
                JsonLines.write(MaxBatchLine.of("resnet18", "plain", 1024 * mb, search)));
    }
}
