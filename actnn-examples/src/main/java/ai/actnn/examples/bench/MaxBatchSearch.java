package ai.actnn.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the largest batch size whose measured memory fits a budget: grows the batch (doubling,
 * but never beyond what a proportional extrapolation of the last fitting probe puts at 1.25 times
 * the budget) until a probe does not fit, then bisects between the largest batch that fits and the
 * smallest that does not, down to a difference of one.
 *
 * <p>A probe that fails (throws) counts as not fitting. Memory is assumed to grow with the batch;
 * the search only probes batch sizes from 1 to {@code limit}.
 */
public final class MaxBatchSearch {

    private static final Logger logger = LoggerFactory.getLogger(MaxBatchSearch.class);

    private static final double OVERSHOOT = 1.25;

    /** Measures the memory that a batch size needs. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Measures a batch size.
         *
         * @param batch the batch size
         * @return the bytes it needs, or a negative value if it failed
         */
        long bytes(int batch);
    }

    /**
     * One probe of the search.
     *
     * @param batch the batch size probed
     * @param bytes the bytes it needed (negative: failed)
     * @param fits whether it fitted the budget
     */
    public record Point(int batch, long bytes, boolean fits) {}

    /**
     * The outcome of a search.
     *
     * @param maxBatch the largest batch that fits (0: not even batch 1)
     * @param probes every probe, in order
     * @param hitLimit whether the search stopped at the limit (the true maximum may be larger)
     */
    public record Result(int maxBatch, List<Point> probes, boolean hitLimit) {}

    private MaxBatchSearch() {}

    /**
     * Searches.
     *
     * @param start the first batch size to probe
     * @param budgetBytes the budget
     * @param limit the largest batch size to probe
     * @param probe measures a batch size
     * @return the largest fitting batch and the probes
     * @throws IllegalArgumentException for a non-positive start, budget or limit
     */
    public static Result search(int start, long budgetBytes, int limit, Probe probe) {
        return search(start, budgetBytes, limit, 0, probe);
    }

    /**
     * Searches to a relative precision: stops when the largest fitting batch is known within
     * {@code precision} of itself (0 searches to the exact batch), which saves the last probes of
     * a bisection when a figure to a few percent is all that is wanted.
     *
     * @param start the first batch size to probe
     * @param budgetBytes the budget
     * @param limit the largest batch size to probe
     * @param precision the relative gap between the largest fitting and the smallest failing batch
     *     at which to stop, in [0, 1)
     * @param probe measures a batch size
     * @return the largest batch that fitted and the probes
     * @throws IllegalArgumentException for a non-positive start, budget or limit, or a precision
     *     outside [0, 1)
     */
    public static Result search(int start, long budgetBytes, int limit, double precision, Probe probe) {
        Objects.requireNonNull(probe, "probe");
        if (!(precision >= 0 && precision < 1)) {
            throw new IllegalArgumentException("precision must be in [0, 1), not " + precision);
        }
        if (start < 1 || budgetBytes < 1 || limit < 1) {
            throw new IllegalArgumentException("start, budget and limit must be positive");
        }
        List<Point> probes = new ArrayList<>();
        int fits = 0; // largest batch known to fit
        long fitsBytes = 0;
        int fails = Integer.MAX_VALUE; // smallest batch known not to fit
        int next = Math.min(start, limit);
        while (true) {
            long bytes = probe.bytes(next);
            boolean ok = bytes >= 0 && bytes <= budgetBytes;
            probes.add(new Point(next, bytes, ok));
            logger.info("batch {}: {} {}", next, bytes < 0 ? "failed" : ByteSize.format(bytes),
                    ok ? "fits" : "does not fit");
            if (ok) {
                fits = next;
                fitsBytes = bytes;
            } else {
                fails = next;
            }
            if (fails != Integer.MAX_VALUE) {
                if (fails - fits <= Math.max(1, (long) Math.floor(precision * fits))) {
                    return new Result(fits, probes, false);
                }
                next = fits + (fails - fits) / 2;
            } else {
                if (fits >= limit) {
                    return new Result(fits, probes, true);
                }
                long cap = fitsBytes > 0
                        ? (long) Math.floor((double) fits * OVERSHOOT * budgetBytes / fitsBytes)
                        : 2L * fits;
                next = (int) Math.min(limit, Math.max(fits + 1L, Math.min(2L * fits, cap)));
            }
        }
    }
}
