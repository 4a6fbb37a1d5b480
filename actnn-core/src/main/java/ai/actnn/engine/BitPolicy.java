package ai.actnn.engine;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;

/**
 * Decides how many bits each saved activation gets: fixed per layer group (L1, L2), adaptive per
 * sample and per layer (L3, ActNN), or error-bounded per layer (auto, AC-GC). A policy lives as
 * long as its trainer and learns from the gradients it observes in backward.
 */
public interface BitPolicy {

    /**
     * Called at the start of each step with the step's configuration snapshot.
     *
     * @param config the configuration of the step
     */
    default void beginStep(ActNNConfig config) {}

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
     * @return bits per sample, each 1, 2, 4 or 8
     */
    int[] bitsFor(ActivationSite site, GroupStats stats, int samples);

    /**
     * Observes, in backward, the gradient with respect to the output of the layer whose input
     * was saved at {@code site}.
     *
     * @param site the site
     * @param gradOutput dL/dy, first axis = samples
     */
    default void observeGradient(ActivationSite site, NDArray gradOutput) {}

    /**
     * Observes the error that quantization caused in the gradient of a layer: the squared norm
     * of the difference between the gradient computed from the restored input and the exact one,
     * when a policy asked for it with {@link #wantsErrorProbe}.
     *
     * @param site the site
     * @param bits the bits the activation was stored with
     * @param errorSquared the squared norm of the gradient error
     * @param gradSquared the squared norm of the exact gradient
     */
    default void observeError(ActivationSite site, int bits, double errorSquared, double gradSquared) {}

    /**
     * Returns whether the policy wants exact-versus-quantized gradient probes in this step.
     *
     * @param site the site
     * @return whether to probe
     */
    default boolean wantsErrorProbe(ActivationSite site) {
        return false;
    }

    /** Called once after each complete compressed backward (end of a step's backward). */
    default void endBackward() {}

    /**
     * Returns a one-line summary of the current bits for logs and benchmarks.
     *
     * @return the summary
     */
    default String describe() {
        return getClass().getSimpleName();
    }
}
