package ai.actnn.quant.cpu;

import ai.actnn.quant.PackedLayout;
import ai.djl.ndarray.types.Shape;

/**
 * Where each group of a tensor lies: its elements in the input and its bytes in the packed
 * format. Groups are numbered {@code n * S + s} as in {@code docs/format.md}.
 */
final class Geometry {

    final int samples;
    final long features;
    final int groupsPerSample;
    final int groupSize;
    final int groups;

    Geometry(Shape shape, int groupSize) {
        this.samples = PackedLayout.samples(shape);
        this.features = PackedLayout.featuresPerSample(shape);
        this.groupSize = groupSize;
        long perSample = PackedLayout.groupsPerSample(shape, groupSize);
        long total = perSample * samples;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "tensor of shape " + shape + " has " + total + " groups: at most "
                            + Integer.MAX_VALUE + " are supported");
        }
        this.groupsPerSample = (int) perSample;
        this.groups = (int) total;
    }

    /**
     * Returns the sample a group belongs to.
     *
     * @param group the group
     * @return the sample index
     */
    int sample(int group) {
        return group / groupsPerSample;
    }

}
