package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.models.ModelCatalog;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class AlternatingSpeedTest {

    private static final BenchmarkConfig BASE =
            new BenchmarkConfig(ModelCatalog.mnist("lenet", 28, 28), "plain", 32, 5, 2, 42);

    /** A result with the given throughput, or a failure when it is negative. */
    private static BenchmarkResult result(BenchmarkConfig c, double ips) {
        BenchmarkResult failed = BenchmarkResult.failed(c, "boom", true);
        if (ips < 0) {
            return failed;
        }
        return new BenchmarkResult(failed.model(), failed.level(), failed.batch(), failed.size(), 1, 1, 1, ips,
                1000 * c.batch() / ips, Double.NaN, -1, false, true, null);
    }

    @Test
    void ratiosAreTakenWithinARoundSoThatTheMachinesLoadCancels() {
        // the machine slows down twofold each round; L3 is always at 0.8 of plain within a round
        double[] load = {1, 2, 4, 8, 16};
        int[] call = {0};
        List<String> order = new ArrayList<>();
        List<AlternatingSpeed.Ratio> ratios = AlternatingSpeed.measure(BASE, List.of("plain", "L0", "L3"), 5, c -> {
            order.add(c.level());
            double slow = load[call[0]++ / 3];
            double ips = Map.of("plain", 100.0, "L0", 95.0, "L3", 80.0).get(c.level()) / slow;
            return result(c, ips);
        });
        assertEquals(List.of("plain", "L0", "L3", "plain", "L0", "L3"), order.subList(0, 6));
        assertEquals(2, ratios.size());
        assertEquals("L0", ratios.get(0).level());
        assertEquals("plain", ratios.get(0).reference());
        assertEquals(0.95, ratios.get(0).median(), 1e-9);
        assertEquals(0.80, ratios.get(1).median(), 1e-9);
        assertEquals(5, ratios.get(1).perRound().size());
    }

    @Test
    void aFailedRunDropsOnlyItsRound() {
        int[] call = {0};
        List<AlternatingSpeed.Ratio> ratios = AlternatingSpeed.measure(BASE, List.of("plain", "L3"), 3, c -> {
            int i = call[0]++;
            return result(c, i == 2 ? -1 : "plain".equals(c.level()) ? 100 : 50 + i);
        });
        // round 2's plain failed: rounds 1 and 3 remain (51/100 and 55/100)
        assertEquals(List.of(0.51, 0.55), ratios.get(0).perRound());
        assertEquals(0.53, ratios.get(0).median(), 1e-9);
    }

    @Test
    void noCompletedRoundGivesNaN() {
        List<AlternatingSpeed.Ratio> ratios = AlternatingSpeed.measure(BASE, List.of("plain", "L3"), 2,
                c -> result(c, -1));
        assertTrue(Double.isNaN(ratios.get(0).median()));
    }

    @Test
    void rejectsFewerThanTwoLevelsAndNoRounds() {
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> AlternatingSpeed.measure(BASE, List.of("plain"), 3, c -> result(c, 1)));
        assertTrue(one.getMessage().contains("[plain]"), one.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> AlternatingSpeed.measure(BASE, List.of("plain", "L3"), 0, c -> result(c, 1)));
        assertTrue(none.getMessage().contains("rounds must be >= 1, not 0"), none.getMessage());
    }
}
