package ai.actnn.store;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.types.Shape;

/**
 * Chooses the group size of a tensor. Groups never span samples, so a sample whose size is not a
 * multiple of the group size ends in a padded group, and padding costs bits: an MNIST image of 784
 * features packed in groups of 256 stores 1024 codes (30% more). The group size used is the
 * multiple of 32, at most the configured one, that stores the fewest bits for the sample, codes
 * and records together (784 features: 5 groups of 160, 16 codes of padding, instead of 4 groups of
 * 256 with 240).
 */
final class GroupSizes {

    /** Bits a code is costed at when comparing sizes (L3's average). */
    private static final int REFERENCE_BITS = 2;

    /** Bits of one group's record (two fp16 values). */
    private static final int RECORD_BITS = 32;

    private GroupSizes() {}

    /**
     * Returns the group size for samples of {@code features} elements.
     *
     * @param features elements per sample
     * @param configured the configured group size (a positive multiple of 32)
     * @return a multiple of 32 between 32 and {@code configured}
     */
    static int choose(long features, int configured) {
        if (features <= 0 || features % configured == 0) {
            return configured;
        }
        int best = configured;
        long bestCost = cost(features, configured);
        for (int g = configured - 32; g >= 32; g -= 32) {
            long c = cost(features, g);
            if (c < bestCost) {
                best = g;
                bestCost = c;
            }
        }
        return best;
    }

    /**
     * Returns the group size of a tensor under a configuration: {@link #choose} when it packs
     * per group, else one group per sample, rounded up to the packing unit.
     *
     * @param shape the tensor's shape (first axis = samples)
     * @param config the configuration
     * @return the group size, a multiple of 32
     * @throws IllegalArgumentException if a sample is too large for per-sample ranges
     */
    static int forShape(Shape shape, ActNNConfig config) {
        long features = PackedLayout.featuresPerSample(shape);
        if (config.isPerGroup()) {
            return choose(features, config.getGroupSize());
        }
        long size = Math.max(32, (features + 31) / 32 * 32);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "sample of " + features + " features is too large for per-sample ranges");
        }
        return (int) size;
    }

    private static long cost(long features, int group) {
        long groups = (features + group - 1) / group;
        return groups * ((long) group * REFERENCE_BITS + RECORD_BITS);
    }
}
