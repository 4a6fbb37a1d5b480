package ai.actnn.store;

import ai.djl.ndarray.NDArray;

/**
 * An op's output computed together with what its backward keeps (ReLU and its mask, max pooling
 * and its offsets): the output belongs to the caller, the saved item to the step.
 *
 * @param output the op's output, attached to its input's manager
 * @param saved what was saved for the backward (counted by the store; close it once)
 * @param <S> the kind of saved item
 */
public record SavedOutput<S extends Saved>(NDArray output, S saved) {}
