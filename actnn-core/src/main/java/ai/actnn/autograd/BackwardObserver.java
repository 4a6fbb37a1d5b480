package ai.actnn.autograd;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * Watches a tape's backward on behalf of gradient synchronisation (data-parallel training), so
 * that parameter gradients can be sent to other processes while the backward goes on. Called on
 * the thread that runs the tape's backward.
 */
public interface BackwardObserver {

    /** The tape's backward starts (once per {@link Tape#backward()}). */
    default void backwardStarted() {}

    /**
     * This tape will add nothing more to these parameters' gradients in this backward: the op
     * that used them first in the forward has run its backward.
     *
     * @param parameters the parameter arrays (as the ops received them), not to be closed
     */
    default void parametersDone(List<NDArray> parameters) {}

    /**
     * An input gradient was handed to autograd (the input came from ordinary ops), whose backward
     * may reach parameters that the tape does not see: their gradients are known only when the
     * step's backward is over.
     */
    default void gradientIntoAutograd() {}

    /** The tape's backward ended (normally). */
    default void backwardEnded() {}
}
