package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class MaxBatchSearchTest {

    /** Memory of a model: 100 MB of state plus 3 MB per image. */
    private static long linear(int batch) {
        return 100_000_000L + 3_000_000L * batch;
    }

    @Test
    void findsTheExactLargestFittingBatch() {
        long budget = 1_000_000_000L; // (1000 - 100) / 3 = 300 images
        MaxBatchSearch.Result r = MaxBatchSearch.search(16, budget, 100_000, MaxBatchSearchTest::linear);
        assertEquals(300, r.maxBatch());
        assertFalse(r.hitLimit());
        assertTrue(r.probes().size() < 20, "probes: " + r.probes());
    }

    @Test
    void neverProbesFarBeyondTheBudget() {
        long budget = 1_000_000_000L;
        List<Integer> probed = new ArrayList<>();
        MaxBatchSearch.search(1, budget, 100_000, b -> {
            probed.add(b);
            return linear(b);
        });
        for (int b : probed) {
            assertTrue(linear(b) <= 1.25 * budget + 3_000_000L, "probe " + b + " needs " + linear(b));
        }
    }

    @Test
    void searchesDownwardsWhenTheStartDoesNotFit() {
        MaxBatchSearch.Result r = MaxBatchSearch.search(512, 1_000_000_000L, 100_000, MaxBatchSearchTest::linear);
        assertEquals(300, r.maxBatch());
    }

    @Test
    void reportsZeroWhenNothingFitsAndTreatsFailuresAsNotFitting() {
        assertEquals(0, MaxBatchSearch.search(8, 50_000_000L, 1000, MaxBatchSearchTest::linear).maxBatch());
        MaxBatchSearch.Result r = MaxBatchSearch.search(4, Long.MAX_VALUE, 1000, b -> b > 37 ? -1 : 1);
        assertEquals(37, r.maxBatch());
    }

    @Test
    void stopsAtTheLimit() {
        MaxBatchSearch.Result r = MaxBatchSearch.search(4, Long.MAX_VALUE, 100, b -> 1);
        assertEquals(100, r.maxBatch());
        assertTrue(r.hitLimit());
    }

    @Test
    void aRelativePrecisionStopsEarlierWithinItsGapBelowTheExactBatch() {
        long budget = 1_000_000_000L; // exact: 300
        MaxBatchSearch.Result exact = MaxBatchSearch.search(16, budget, 100_000, MaxBatchSearchTest::linear);
        MaxBatchSearch.Result coarse = MaxBatchSearch.search(16, budget, 100_000, 0.05, MaxBatchSearchTest::linear);
        assertTrue(coarse.maxBatch() <= 300 && coarse.maxBatch() >= 300 / 1.05, "found " + coarse.maxBatch());
        assertTrue(linear(coarse.maxBatch()) <= budget);
        assertTrue(coarse.probes().size() < exact.probes().size(),
                coarse.probes().size() + " probes against " + exact.probes().size());
    }

    @Test
    void rejectsAPrecisionOutsideTheUnitInterval() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MaxBatchSearch.search(16, 1000, 100, 1.0, b -> 1));
        assertTrue(e.getMessage().contains("precision must be in [0, 1), not 1.0"), e.getMessage());
    }
}
