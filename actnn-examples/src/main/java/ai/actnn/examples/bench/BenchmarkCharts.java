package ai.actnn.examples.bench;

import ai.actnn.examples.models.InputSize;
import ai.actnn.examples.report.Charts;
import ai.actnn.examples.report.Series;
import ai.actnn.examples.report.Units;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws benchmark results of one model as one PNG with two panels: throughput against batch size
 * per level (each level's largest fitting batch marked) and activation memory per level for the
 * requested batch sizes.
 */
public final class BenchmarkCharts {

    private BenchmarkCharts() {}

    /**
     * Writes the chart of one model.
     *
     * @param file the PNG to write
     * @param model the model whose results are drawn
     * @param levels the levels, in legend order
     * @param batches the batch sizes asked for (the memory panel shows these)
     * @param results all results (other models and failed ones are skipped)
     * @param maxBatch per level, the largest batch that fit the budget (empty: no search)
     * @param budgetBytes the budget, or -1; results above it are left out of the throughput lines
     * @return whether a chart was written (false when the model has no successful result)
     * @throws IOException if writing fails
     */
    public static boolean write(Path file, String model, List<String> levels, List<Integer> batches,
            List<BenchmarkResult> results, Map<String, Integer> maxBatch, long budgetBytes) throws IOException {
        List<BenchmarkResult> ok = results.stream().filter(r -> r.ok() && r.model().equals(model)).toList();
        if (ok.isEmpty()) {
            return false;
        }
        List<Series> throughput = new ArrayList<>();
        for (String level : levels) {
            List<BenchmarkResult> line = ok.stream()
                    .filter(r -> r.level().equals(level))
                    .filter(r -> budgetBytes < 0 || r.totalPeakBytes() <= budgetBytes)
                    .sorted(Comparator.comparingInt(BenchmarkResult::batch))
                    .toList();
            if (!line.isEmpty()) {
                throughput.add(new Series(level, line.stream().mapToDouble(BenchmarkResult::batch).toArray(),
                        line.stream().mapToDouble(BenchmarkResult::samplesPerSecond).toArray()));
            }
        }
        Map<String, double[]> memory = new LinkedHashMap<>();
        for (int b : batches.stream().sorted().toList()) {
            double[] perLevel = levels.stream().mapToDouble(level -> ok.stream()
                    .filter(r -> r.level().equals(level) && r.batch() == b)
                    .mapToDouble(r -> r.activationBytes() / Units.BYTES_PER_MB)
                    .findFirst().orElse(Double.NaN)).toArray();
            memory.put("batch " + b, perLevel);
        }
        InputSize size = ok.get(0).size();
        String title = model + ", " + size.describe() + ", CPU";
        Charts.save(List.of(
                Charts.throughput("Training throughput: " + title, size.examples(), throughput, maxBatch),
                Charts.memoryBars("Activation memory: " + title, "activation memory (MB)", levels, memory)),
                file);
        return true;
    }
}
