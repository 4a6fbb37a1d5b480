package ai.actnn.store;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * An activation kept for backward: a full-precision reference, a packed (quantized) tensor, or
 * a simulated quantization. Closing it frees what it holds.
 */
public interface SavedActivation extends Saved {

    /**
     * Returns the activation in full precision (dequantized if packed).
     *
     * @param manager the owner of the result
     * @return a new array handle that the caller closes
     */
    NDArray restore(NDManager manager);

    /**
     * Returns samples {@code [from, to)} of the activation in full precision: lets a layer's
     * backward work through a large batch in chunks, holding only one chunk restored at a time.
     *
     * @param manager the owner of the result
     * @param from the first sample
     * @param to one past the last sample
     * @return a new array handle that the caller closes
     */
    default NDArray restore(NDManager manager, int from, int to) {
        try (NDArray all = restore(manager)) {
            NDArray part = all.get(new NDIndex(from + ":" + to));
            part.attach(manager);
            return part;
        }
    }

    /**
     * Returns whether restoring hands back the kept full-precision storage itself (a view, no new
     * memory). A backward then gains nothing from restoring the activation a chunk at a time.
     *
     * @return whether restoring allocates nothing
     */
    default boolean restoresInPlace() {
        return false;
    }

    /**
     * Returns the number of samples (first axis) of the activation.
     *
     * @return the samples
     */
    int samples();

    /**
     * Returns the bits per element this activation is stored with (32 or 16 when not quantized).
     *
     * @return the average stored bits per element, metadata included
     */
    double bitsPerElement();

}
