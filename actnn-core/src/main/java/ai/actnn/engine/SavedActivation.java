package ai.actnn.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * An activation kept for backward: a full-precision reference, a packed (quantized) tensor, or
 * a simulated quantization. Closing it frees what it holds.
 */
public interface SavedActivation extends AutoCloseable {

    /**
     * Returns the activation in full precision (dequantized if packed).
     *
     * @param manager the owner of the result
     * @return a new array handle that the caller closes
     */
    NDArray restore(NDManager manager);

    /**
     * Returns the bytes this saved activation holds (0 when it only shares another's storage).
     *
     * @return the bytes
     */
    long storedBytes();

    /**
     * Returns the bits per element this activation is stored with (32 or 16 when not quantized).
     *
     * @return the average stored bits per element, metadata included
     */
    double bitsPerElement();

    /** Frees what this saved activation holds. */
    @Override
    void close();
}
