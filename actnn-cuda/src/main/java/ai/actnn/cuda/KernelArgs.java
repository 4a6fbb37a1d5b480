package ai.actnn.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The {@code void** kernelParams} of one {@code cuLaunchKernel}: every argument gets an 8-byte
 * slot in native memory (little-endian, so a 4-byte {@code int} or {@code float} occupies the
 * first half) and the array holds the slots' addresses. The driver copies the values at launch,
 * so the arguments can be freed right after the call.
 */
final class KernelArgs implements AutoCloseable {

    private final BytePointer values;
    private final PointerPointer<BytePointer> pointers;
    private final int capacity;
    private final StringBuilder kinds = new StringBuilder();
    private int count;

    /**
     * Allocates room for a number of arguments.
     *
     * @param capacity the number of arguments
     */
    KernelArgs(int capacity) {
        this.capacity = capacity;
        this.values = new BytePointer(8L * capacity);
        this.pointers = new PointerPointer<>(capacity);
    }

    private long next() {
        if (count == capacity) {
            throw new IllegalStateException("more than " + capacity + " kernel arguments");
        }
        long offset = 8L * count;
        values.putLong(offset, 0L);
        pointers.put(count, values.getPointer(offset));
        count++;
        return offset;
    }

    /**
     * Adds a device pointer (or a 64-bit integer).
     *
     * @param value the address or value
     * @return this
     */
    KernelArgs i64(long value) {
        values.putLong(next(), value);
        kinds.append('q');
        return this;
    }

    /**
     * Adds a device pointer.
     *
     * @param address the device address (0 for a null pointer)
     * @return this
     */
    KernelArgs ptr(long address) {
        return i64(address);
    }

    /**
     * Adds a 32-bit integer.
     *
     * @param value the value
     * @return this
     */
    KernelArgs i32(int value) {
        values.putInt(next(), value);
        kinds.append('i');
        return this;
    }

    /**
     * Adds a 32-bit float.
     *
     * @param value the value
     * @return this
     */
    KernelArgs f32(float value) {
        values.putFloat(next(), value);
        kinds.append('f');
        return this;
    }

    /**
     * Returns the kinds of the arguments added, one letter each: {@code q} (8 bytes: pointer or
     * 64-bit integer), {@code i} (32-bit integer), {@code f} (32-bit float). Tests compare this
     * with the kernels' PTX parameter lists.
     *
     * @return the kinds
     */
    String kinds() {
        return kinds.toString();
    }

    /**
     * Returns the number of arguments added.
     *
     * @return the count
     */
    int count() {
        return count;
    }

    /**
     * Returns the parameter array for {@code cuLaunchKernel}.
     *
     * @return the {@code void**}
     */
    PointerPointer<BytePointer> pointers() {
        return pointers;
    }

    /** Frees the native memory. */
    @Override
    public void close() {
        pointers.close();
        values.close();
    }
}
