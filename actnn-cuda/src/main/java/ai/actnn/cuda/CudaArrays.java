package ai.actnn.cuda;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;

/** Argument checks and device addresses of kernel inputs, shared by the public entry points. */
final class CudaArrays {

    private CudaArrays() {}

    /**
     * Returns the GPU device of an array.
     *
     * @param x the array
     * @param what its role, for the message
     * @return its device
     * @throws IllegalArgumentException if the array is not on a GPU
     */
    static Device gpuDevice(NDArray x, String what) {
        Device d = x.getDevice();
        if (!d.isGpu()) {
            throw new IllegalArgumentException("the CUDA kernels work on GPU tensors only, " + what + " is on " + d
                    + " (use the CPU backend for host tensors)");
        }
        return d;
    }

    /**
     * Checks that an array is FLOAT32 or FLOAT16.
     *
     * @param x the array
     * @param what its role, for the message
     * @return its data type
     * @throws IllegalArgumentException naming the type and the allowed ones
     */
    static DataType requireFloat(NDArray x, String what) {
        DataType t = x.getDataType();
        if (t != DataType.FLOAT32 && t != DataType.FLOAT16) {
            throw new IllegalArgumentException(what + " must be FLOAT32 or FLOAT16, got " + t.name());
        }
        return t;
    }

    /**
     * Checks that two arrays are on the same device.
     *
     * @param a the first array
     * @param b the second array
     * @param what the pair, for the message
     * @throws IllegalArgumentException if they are not
     */
    static void sameDevice(NDArray a, NDArray b, String what) {
        if (!a.getDevice().equals(b.getDevice())) {
            throw new IllegalArgumentException(what + " must be on one device, got " + a.getDevice() + " and "
                    + b.getDevice());
        }
    }

    /** A kernel input: the array, made contiguous if needed, and its device address. */
    static final class Input implements AutoCloseable {
        final PtNDArray array;
        final long address;
        private final boolean copy;

        private Input(PtNDArray array, boolean copy) {
            this.array = array;
            this.copy = copy;
            this.address = PtArrays.address(array);
        }

        /**
         * Returns whether the address is a multiple of {@code bytes}.
         *
         * @param bytes the alignment
         * @return whether aligned
         */
        boolean aligned(int bytes) {
            return address % bytes == 0;
        }

        /**
         * Frees the contiguous copy, if one was made. The kernels reading it were queued on the
         * default stream; PyTorch's caching allocator only hands its memory to work queued after
         * them on that stream, so freeing right after the launch is safe.
         */
        @Override
        public void close() {
            if (copy) {
                array.close();
            }
        }
    }

    /**
     * Returns a kernel input for an array: itself when contiguous, else a contiguous copy (the
     * tensor is read in logical row-major order, as the format requires).
     *
     * @param x the array
     * @param what its role, for the message
     * @return the input (close it after the launches)
     */
    static Input input(NDArray x, String what) {
        PtNDArray p = PtArrays.pt(x, what);
        PtNDArray c = PtArrays.contiguous(p);
        return new Input(c, c != p);
    }
}
