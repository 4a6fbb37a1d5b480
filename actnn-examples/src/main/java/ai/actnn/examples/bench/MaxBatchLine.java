package ai.actnn.examples.bench;

import ai.actnn.examples.report.JsonLines;
import ai.actnn.examples.report.Units;

import java.util.List;

/**
 * The outcome of {@code benchmark --find-max-batch} for one model and level, as one JSON line
 * ({@link JsonLines}); {@code docs/bench/tables.py} tells these lines from the measurements by
 * their {@code max_batch} field.
 *
 * @param model the model name
 * @param level the level
 * @param maxBatch the largest batch that fits the budget (0 if none does)
 * @param memoryBudgetMb the budget in MB (MiB)
 * @param hitLimit whether the search stopped at the batch limit rather than at the budget
 * @param probeBatches the batches measured, in order
 * @param probeTotalPeakMb their total peak memory in MB, null where unmeasured
 */
public record MaxBatchLine(
        String model, String level, int maxBatch, double memoryBudgetMb, boolean hitLimit,
        List<Integer> probeBatches, List<Double> probeTotalPeakMb) {

    /**
     * Returns the JSON form of a search.
     *
     * @param model the model name
     * @param level the level
     * @param budgetBytes the memory budget in bytes
     * @param search the search's outcome
     * @return its line
     */
    public static MaxBatchLine of(String model, String level, long budgetBytes, MaxBatchSearch.Result search) {
        List<MaxBatchSearch.Point> probes = search.probes();
        return new MaxBatchLine(model, level, search.maxBatch(), Units.mb(budgetBytes), search.hitLimit(),
                probes.stream().map(MaxBatchSearch.Point::batch).toList(),
                probes.stream().map(p -> Units.mbOrNull(p.bytes())).toList());
    }
}
