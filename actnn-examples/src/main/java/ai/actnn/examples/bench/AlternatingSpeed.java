package ai.actnn.examples.bench;

import ai.actnn.examples.train.Medians;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speed of levels against a reference level, measured as users would compare them on a noisy
 * machine: the levels run back to back in fresh JVMs, round after round, and each round gives one
 * ratio per level (its throughput over the reference's in the same round), so that a change of the
 * machine's load between rounds affects both sides of a ratio alike. The median of the rounds'
 * ratios is the figure to quote; a single pair of runs can be off by 30% here.
 */
public final class AlternatingSpeed {

    private static final Logger logger = LoggerFactory.getLogger(AlternatingSpeed.class);

    /**
     * One level's speed against the reference.
     *
     * @param level the level
     * @param reference the reference level
     * @param perRound this level's throughput over the reference's, one ratio per round that both
     *     completed
     * @param median the median of {@code perRound} (NaN when no round completed)
     */
    public record Ratio(String level, String reference, List<Double> perRound, double median) {

        /**
         * Copies the list.
         *
         * @param level see the record description
         * @param reference see the record description
         * @param perRound see the record description
         * @param median see the record description
         */
        public Ratio {
            perRound = List.copyOf(perRound);
        }
    }

    private AlternatingSpeed() {}

    /**
     * Measures.
     *
     * @param base the configuration (its level is replaced by each of {@code levels})
     * @param levels the levels; the first is the reference
     * @param rounds how many times each level runs
     * @param run runs one configuration (in a fresh JVM, for {@link ChildJvm} with glibc's default
     *     allocator settings)
     * @return one ratio per level after the first, in order
     * @throws IllegalArgumentException for fewer than two levels or no rounds
     */
    public static List<Ratio> measure(
            BenchmarkConfig base, List<String> levels, int rounds, Function<BenchmarkConfig, BenchmarkResult> run) {
        Objects.requireNonNull(run, "run");
        if (levels.size() < 2) {
            throw new IllegalArgumentException("speed needs a reference and at least one other level, not " + levels);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, not " + rounds);
        }
        String reference = levels.get(0);
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (String level : levels.subList(1, levels.size())) {
            ratios.put(level, new ArrayList<>());
        }
        for (int round = 1; round <= rounds; round++) {
            Map<String, Double> ips = new LinkedHashMap<>();
            for (String level : levels) {
                BenchmarkConfig config = new BenchmarkConfig(
                        base.model(), level, base.batch(), base.iterations(), base.warmup(), base.seed());
                BenchmarkResult r = run.apply(config);
                logger.info("speed round {}/{}: {} {} samples/s{}", round, rounds, level,
                        r.ok() ? String.format("%.1f", r.samplesPerSecond()) : "-", r.ok() ? "" : " (" + r.error() + ")");
                if (r.ok()) {
                    ips.put(level, r.samplesPerSecond());
                }
            }
            Double ref = ips.get(reference);
            for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
                Double value = ips.get(e.getKey());
                if (ref != null && value != null && ref > 0) {
                    e.getValue().add(value / ref);
                }
            }
        }
        List<Ratio> out = new ArrayList<>();
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            List<Double> perRound = e.getValue();
            out.add(new Ratio(e.getKey(), reference, perRound, perRound.isEmpty() ? Double.NaN : Medians.of(perRound)));
        }
        return out;
    }
}
