package ai.actnn.nn.container;

import ai.actnn.nn.Clipping;

/**
 * What the join of a {@code ParallelBlock} computes, as recognised at conversion: its kind, and
 * the clipping of a clipped sum or the axis of a concatenation.
 *
 * @param kind the kind
 * @param clip the clipping of {@link JoinKind#ADD_CLIP}, else null
 * @param axis the axis of {@link JoinKind#CONCAT}, else 0
 */
public record Join(JoinKind kind, Clipping clip, int axis) {

    /**
     * Validates the join.
     *
     * @throws IllegalArgumentException if the clipping is given without a clipped sum or missing
     */
    public Join {
        if (kind == null || (kind == JoinKind.ADD_CLIP) != (clip != null)) {
            throw new IllegalArgumentException("a clipped sum needs its clipping, and only it: join " + kind + ", clipping " + clip);
        }
    }

    /**
     * Returns a join of a kind that needs no clipping or axis.
     *
     * @param kind ADD, ADD_RELU or GENERIC
     * @return the join
     */
    public static Join of(JoinKind kind) {
        return new Join(kind, null, 0);
    }

    /**
     * Returns a sum clipped to a range.
     *
     * @param clip the clipping
     * @return the join
     */
    public static Join clippedSum(Clipping clip) {
        return new Join(JoinKind.ADD_CLIP, clip, 0);
    }

    /**
     * Returns a concatenation.
     *
     * @param axis the axis
     * @return the join
     */
    public static Join concat(int axis) {
        return new Join(JoinKind.CONCAT, null, axis);
    }
}
