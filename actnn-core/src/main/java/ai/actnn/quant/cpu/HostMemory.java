package ai.actnn.quant.cpu;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Direct access to the memory of host tensors, so that the kernels read and write tensor data in
 * place instead of through chains of NDArray operations.
 *
 * <p>For a contiguous CPU tensor of the PyTorch engine, {@link NDArray#toByteBuffer(boolean)
 * toByteBuffer(true)} is a zero-copy view of the data. For a non-contiguous one (a transpose, a
 * strided slice) DJL makes a contiguous copy and attaches it to the tensor's manager for good. To
 * free that copy at once without touching the caller's tensor, the buffer is taken from a detached
 * view of the tensor (same storage, same strides) that belongs to a scope of ours: the copy, if
 * any, joins the scope, and closing the scope frees both.
 */
final class HostMemory implements AutoCloseable {

    private final NDManager scope;
    private final ByteBuffer bytes;

    private HostMemory(NDManager scope, ByteBuffer bytes) {
        this.scope = scope;
        this.bytes = bytes;
    }

    /**
     * Opens the logical row-major data of a CPU tensor for reading.
     *
     * @param x the tensor (kept open by the caller while this is in use)
     * @return the access; close it when done
     */
    static HostMemory read(NDArray x) {
        if (x.size() == 0) {
            return new HostMemory(null, ByteBuffer.allocate(0).order(ByteOrder.nativeOrder()));
        }
        NDManager scope = x.getManager().newSubManager(Device.cpu());
        try {
            NDArray view = x.stopGradient();
            view.attach(scope);
            ByteBuffer data = view.toByteBuffer(true).order(ByteOrder.nativeOrder());
            long expected = x.size() * x.getDataType().getNumOfBytes();
            if (data.capacity() != expected) {
                throw new IllegalStateException(
                        "the engine exposed " + data.capacity() + " bytes of a tensor of " + expected);
            }
            return new HostMemory(scope, data);
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /**
     * Returns the data, in native byte order, position 0.
     *
     * @return the bytes
     */
    ByteBuffer bytes() {
        return bytes;
    }

    /** Frees the view and the temporary contiguous copy, if one was made. */
    @Override
    public void close() {
        if (scope != null) {
            scope.close();
        }
    }

    /**
     * Creates an uninitialised host tensor attached to {@code manager}, even when the manager's own
     * device is a GPU (the host-copy path packs for GPU managers).
     *
     * @param manager the owner of the result
     * @param shape the shape
     * @param type the data type
     * @return the new tensor, contiguous, on the CPU
     */
    static NDArray allocate(NDManager manager, Shape shape, DataType type) {
        if (Device.Type.CPU.equals(manager.getDevice().getDeviceType())) {
            return manager.create(shape, type);
        }
        try (NDManager host = manager.newSubManager(Device.cpu())) {
            NDArray array = host.create(shape, type);
            array.attach(manager);
            return array;
        }
    }

    /**
     * Creates a host tensor and writes it: allocates it, lets {@code writer} fill its bytes and
     * commits them. The tensor is closed again if anything fails, so no native memory is left
     * behind.
     *
     * @param manager the owner of the result
     * @param shape its shape
     * @param type its data type
     * @param writer fills the buffer (native byte order, position 0)
     * @return the written tensor
     */
    static NDArray write(NDManager manager, Shape shape, DataType type, Consumer<ByteBuffer> writer) {
        NDArray result = allocate(manager, shape, type);
        try {
            Output out = output(result);
            writer.accept(out.bytes());
            out.commit();
            return result;
        } catch (RuntimeException | Error e) {
            result.close();
            throw e;
        }
    }

    /**
     * Opens a freshly allocated host tensor for writing. The buffer is the tensor's own memory
     * where the engine exposes it (PyTorch does); otherwise it is a staging buffer that {@link
     * Output#commit()} copies in.
     *
     * @param out a contiguous host tensor from {@link #allocate}
     * @return the output; call {@link Output#commit()} when written
     */
    static Output output(NDArray out) {
        long size = out.size() * out.getDataType().getNumOfBytes();
        if (size == 0) {
            return new Output(out, ByteBuffer.allocate(0), false);
        }
        ByteBuffer view = out.toByteBuffer(true);
        if (view.isDirect() && view.capacity() == size) {
            return new Output(out, view.order(ByteOrder.nativeOrder()), false);
        }
        return new Output(out, ByteBuffer.allocateDirect((int) size).order(ByteOrder.nativeOrder()), true);
    }

    /** A writable view of a tensor's data. */
    static final class Output {
        private final NDArray array;
        private final ByteBuffer bytes;
        private final boolean staged;

        private Output(NDArray array, ByteBuffer bytes, boolean staged) {
            this.array = array;
            this.bytes = bytes;
            this.staged = staged;
        }

        /**
         * Returns the buffer to write, native byte order, position 0.
         *
         * @return the bytes
         */
        ByteBuffer bytes() {
            return bytes;
        }

        /** Makes the written bytes the tensor's content. */
        void commit() {
            if (staged) {
                array.set(bytes.duplicate().rewind());
            }
        }
    }
}
