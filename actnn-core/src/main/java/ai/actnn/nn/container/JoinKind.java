package ai.actnn.nn.container;

/**
 * What the join function of a {@code ParallelBlock} computes, as recognised by probing it at
 * conversion time. Known joins get exact, compact backwards; others are recomputed.
 */
public enum JoinKind {
    /** Element-wise sum of the branches: saves nothing. */
    ADD,
    /** ReLU of the element-wise sum (ResNet's join): saves one bit per element. */
    ADD_RELU,
    /** A sum clipped to a range (e.g. ReLU6 of a sum): one bit per element. */
    ADD_CLIP,
    /** Concatenation of the branches along an axis (Inception, DenseNet): saves only sizes. */
    CONCAT,
    /** Anything else: saves the branch outputs compressed and recomputes the join in backward. */
    GENERIC
}
