package ai.actnn.store;

/**
 * Something a step keeps for its backward: a (packed or exact) activation, a 1-bit mask, few-bit
 * codes. It knows how many bytes it holds; whoever saved it closes it once.
 */
public interface Saved extends AutoCloseable {

    /**
     * Returns the bytes this item holds (0 when it only shares another item's storage).
     *
     * @return the bytes
     */
    long storedBytes();

    /** Frees what this item holds. */
    @Override
    void close();
}
