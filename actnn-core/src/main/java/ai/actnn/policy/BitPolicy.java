package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;

/**
 * Decides how many bits each saved activation gets: fixed per layer group (L1, L2), adaptive per
 * sample and per layer (L3, ActNN), or error-bounded per layer (auto, AC-GC). A policy lives as
 * long as its trainer and learns from the gradients it observes in backward.
 *
 * <p>Calls come from the trainer's thread in step order: {@link #beginStep}, then {@link
 * #bitsFor} for each saved activation during the forward, then the observations during the
 * compressed backward, then {@link #endBackward}.
 */
public interface BitPolicy {

    /**
     * Called at the start of each step.
     *
     * @param config the step's configuration snapshot
     * @param sampleIndices the dataset indices of the batch's samples, or null if unknown
     */
    default void beginStep(ActNNConfig config, long[] sampleIndices) {}

    /**
     * Returns whether {@link #bitsFor} needs the group statistics of the activation.
     *
     * @param site the site
     * @return whether statistics are needed
     */
    default boolean needsStats(ActivationSite site) {
        return false;
    }

    /**
     * Returns the bits of every sample of an activation about to be saved at a site.
     *
     * @param site where the activation is saved
     * @param stats the activation's group statistics, or null if {@link #needsStats} is false
     * @param samples the number of samples
     * @return bits per sample, each from 1 to 8
     */
    int[] bitsFor(ActivationSite site, GroupStats stats, int samples);

    /**
     * Returns whether the layers should report gradient statistics of a site in this step's
     * backward (through {@link #observeGradient} and {@link #observeGradientNorm}); computing them
     * costs a pass over the gradients, so policies ask only when they use them.
     *
     * @param site the site
     * @return whether to report
     */
    default boolean wantsGradients(ActivationSite site) {
        return false;
    }

    /**
     * Returns whether the layers should report {@link #observeGradientNorm} for a site in this
     * step (a reduction over the weight or input gradient).
     *
     * @param site the site
     * @return whether to report
     */
    default boolean wantsGradientNorm(ActivationSite site) {
        return false;
    }

    /**
     * Observes the gradient with respect to the output of the layer whose input was saved at
     * {@code site}.
     *
     * @param site the site
     * @param gradOutput dL/dy, first axis = samples
     */
    default void observeGradient(ActivationSite site, NDArray gradOutput) {}

    /**
     * Observes the squared norm of the gradient that the saved activation feeds: the weight
     * gradient of a convolution or linear layer, the input gradient otherwise.
     *
     * @param site the site
     * @param squaredNorm the squared norm
     */
    default void observeGradientNorm(ActivationSite site, double squaredNorm) {}

    /**
     * Observes, in one call, the gradient with respect to the output of the layer whose input was
     * saved at {@code site} and the gradient that the saved activation feeds (the first parameter's
     * gradient of a layer with parameters: a convolution's or linear layer's weight, a
     * normalisation's {@code dgamma}, or null when that parameter is frozen; the input gradient
     * otherwise). Layers report through {@link #report}, which calls this. The default passes them
     * on to {@link #observeGradient} and {@link #observeGradientNorm} when the policy asked for
     * them; policies that need the tensors themselves (their shapes, per-channel reductions)
     * override it.
     *
     * @param site the site
     * @param gradOutput dL/dy, first axis = samples
     * @param fed the gradient the saved activation feeds, or null
     */
    default void observeGradients(ActivationSite site, NDArray gradOutput, NDArray fed) {
        if (wantsGradients(site)) {
            observeGradient(site, gradOutput);
        }
        if (fed != null && wantsGradientNorm(site)) {
            try (NDArray sq = fed.square();
                    NDArray sum = sq.sum()) {
                observeGradientNorm(site, sum.getFloat());
            }
        }
    }

    /**
     * Returns whether the policy reads, for a site of an op that saved at several sites, the
     * row-paired gradient of the product the activation enters ({@link #observeProductGradients});
     * computing it costs a pass over the gradients. The default is false: a policy that weighs a
     * layer by its output gradient (L3's allocator) has no such gradient for these sites.
     *
     * @param site the site
     * @return whether to report
     */
    default boolean wantsProductGradients(ActivationSite site) {
        return false;
    }

    /**
     * Observes, for a site of an op that saved at several sites, the output gradient of the
     * product the saved activation is the left factor of, arranged so that a row of it (over its
     * last axis) pairs with the activation's row, and the gradient that the activation's error
     * reaches.
     *
     * @param site the site
     * @param pairedGradient the row-paired gradient, first axis = samples
     * @param fed the gradient the activation's error reaches, or null
     */
    default void observeProductGradients(ActivationSite site, NDArray pairedGradient, NDArray fed) {}

    /** Called once after each complete compressed backward. */
    default void endBackward() {}

    /**
     * Returns a one-line summary of the current bits for logs and benchmarks.
     *
     * @return the summary
     */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * Reports a layer's statistics to a policy if it asked for them.
     *
     * @param policy the policy
     * @param site the site
     * @param gradOutput dL/dy
     * @param fed the gradient the saved activation feeds (first parameter's or input gradient), or null
     */
    static void report(BitPolicy policy, ActivationSite site, NDArray gradOutput, NDArray fed) {
        if (policy.wantsGradients(site) || policy.wantsGradientNorm(site)) {
            policy.observeGradients(site, gradOutput, fed);
        }
    }
}
