package ai.actnn.store;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A saved activation used by several consumers of the same tensor (a ResNet block input feeds
 * the first convolution and the residual join): stored once, freed when the last user closes.
 */
final class SharedActivation implements SavedActivation {

    private volatile SavedActivation target;
    private int users;

    SharedActivation(SavedActivation target) {
        this.target = target;
        this.users = 1;
    }

    /**
     * Registers one more user.
     *
     * @return this activation
     */
    synchronized SharedActivation retain() {
        if (users == 0) {
            throw new IllegalStateException("saved activation already released");
        }
        users++;
        return this;
    }

    /**
     * Returns whether every user has closed it.
     *
     * @return whether it is released
     */
    synchronized boolean isReleased() {
        return users == 0;
    }

    /**
     * Makes {@code wider} the stored copy and frees the current one: for a second consumer that
     * asked for more bits than the first copy has (in the forward, before any user restores).
     *
     * @param wider the new copy of the same tensor, at no fewer bits in any sample
     */
    synchronized void replaceTarget(SavedActivation wider) {
        if (users == 0) {
            throw new IllegalStateException("saved activation already released");
        }
        SavedActivation old = target;
        target = wider;
        old.close();
    }

    /**
     * Returns the copy shared now.
     *
     * @return the target
     */
    SavedActivation target() {
        return target;
    }

    @Override
    public NDArray restore(NDManager manager) {
        return target.restore(manager);
    }

    @Override
    public NDArray restore(NDManager manager, int from, int to) {
        return target.restore(manager, from, to);
    }

    @Override
    public boolean restoresInPlace() {
        return target.restoresInPlace();
    }

    @Override
    public int samples() {
        return target.samples();
    }

    @Override
    public long storedBytes() {
        return target.storedBytes();
    }

    @Override
    public double bitsPerElement() {
        return target.bitsPerElement();
    }

    @Override
    public synchronized void close() {
        if (users > 0 && --users == 0) {
            target.close();
        }
    }
}
