package ai.actnn.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * How a layer's backward splits a large batch into chunks of samples. A backward restores its
 * saved input to full precision and its kernel may need a workspace as large again; doing it a
 * chunk at a time keeps that transient small while the compressed activations of the whole batch
 * stay packed, which is what lets much larger batches fit.
 */
public final class BackwardChunks {

    /**
     * The restored input of one chunk stays around this size (system property {@code
     * actnn.backwardChunkBytes}, default 4 MiB; 0 turns chunking off).
     */
    static final long TARGET_BYTES = Long.getLong("actnn.backwardChunkBytes", 4L << 20);

    private BackwardChunks() {}

    /**
     * Returns how many samples one chunk holds.
     *
     * @param inputShape the shape of the restored input
     * @param type its data type
     * @return at least 1; the whole batch when it is small
     */
    public static int samplesPerChunk(Shape inputShape, DataType type) {
        if (inputShape.dimension() < 2 || TARGET_BYTES <= 0) {
            return Integer.MAX_VALUE;
        }
        long samples = inputShape.get(0);
        long perSample = Math.max(1, inputShape.size() / Math.max(1, samples) * type.getNumOfBytes());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TARGET_BYTES / perSample));
    }

    /**
     * Adds a chunk's parameter gradient to the running sum (closing what is replaced).
     *
     * @param total the sum so far, or null
     * @param part the chunk's gradient (closed if not needed)
     * @param needed whether this gradient is needed at all
     * @return the new sum, or null when not needed
     */
    public static NDArray sum(NDArray total, NDArray part, boolean needed) {
        if (!needed) {
            part.close();
            return total;
        }
        if (total == null) {
            return part;
        }
        NDArray s = total.add(part);
        total.close();
        part.close();
        return s;
    }

    /**
     * Closes arrays that may be null.
     *
     * @param arrays the arrays
     */
    public static void closeAll(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null) {
                a.close();
            }
        }
    }
}
