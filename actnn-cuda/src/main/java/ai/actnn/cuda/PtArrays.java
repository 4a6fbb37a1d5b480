package ai.actnn.cuda;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

import org.bytedeco.javacpp.Pointer;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * DJL / PyTorch interop: device addresses of tensors, contiguity, allocation on a device.
 *
 * <p>DJL has no public accessor for a tensor's data pointer. Its package-private native {@code
 * PyTorchLibrary.torchDirectByteBuffer(handle)} wraps {@code tensor.data_ptr()} in a direct
 * {@link ByteBuffer} without copying or checking the device, so for a CUDA tensor the buffer's
 * address is the device address. It is called reflectively and only the address is used: the
 * buffer's contents must never be read from Java (they are not host memory). JNI direct buffers
 * hold at most {@code Integer.MAX_VALUE} bytes, so larger tensors are addressed through a
 * one-element view of their first element (same data pointer).
 */
final class PtArrays {

    private static final Object LIB;
    private static final Method DIRECT_BUFFER;
    private static final Method IS_CONTIGUOUS;
    private static final Method TO_CONTIGUOUS;
    private static final Throwable REFLECTION_FAILURE;

    static {
        Object lib = null;
        Method direct = null;
        Method isContiguous = null;
        Method toContiguous = null;
        Throwable failure = null;
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field f = c.getDeclaredField("LIB");
            f.setAccessible(true);
            lib = f.get(null);
            direct = c.getDeclaredMethod("torchDirectByteBuffer", long.class);
            direct.setAccessible(true);
            isContiguous = c.getDeclaredMethod("torchIsContiguous", long.class);
            isContiguous.setAccessible(true);
            toContiguous = c.getDeclaredMethod("torchToContiguous", long.class);
            toContiguous.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            failure = e;
        }
        LIB = lib;
        DIRECT_BUFFER = direct;
        IS_CONTIGUOUS = isContiguous;
        TO_CONTIGUOUS = toContiguous;
        REFLECTION_FAILURE = failure;
    }

    private PtArrays() {}

    /**
     * Checks that the DJL internals this class relies on are present.
     *
     * @throws IllegalStateException naming what is missing (e.g. after a DJL upgrade)
     */
    static void checkAvailable() {
        if (REFLECTION_FAILURE != null) {
            throw new IllegalStateException("DJL's PyTorchLibrary.torchDirectByteBuffer / torchIsContiguous /"
                    + " torchToContiguous are not accessible (this code was written for DJL 0.35.1): "
                    + REFLECTION_FAILURE, REFLECTION_FAILURE);
        }
    }

    /**
     * Returns the array as a PyTorch array.
     *
     * @param x the array
     * @param what its role, for the message
     * @return the same array
     * @throws IllegalArgumentException if it does not belong to the PyTorch engine
     */
    static PtNDArray pt(NDArray x, String what) {
        if (x instanceof PtNDArray) {
            return (PtNDArray) x;
        }
        throw new IllegalArgumentException("the CUDA backend needs PyTorch-engine arrays, " + what + " is a "
                + x.getClass().getName());
    }

    /**
     * Returns the manager as a PyTorch manager.
     *
     * @param manager the manager
     * @return the same manager
     * @throws IllegalArgumentException if it does not belong to the PyTorch engine
     */
    static PtNDManager ptManager(NDManager manager) {
        if (manager instanceof PtNDManager) {
            return (PtNDManager) manager;
        }
        throw new IllegalArgumentException("the CUDA backend needs a PyTorch-engine NDManager, got "
                + manager.getClass().getName());
    }

    private static Object invoke(Method m, long handle) {
        checkAvailable();
        try {
            return m.invoke(LIB, handle);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + m.getName(), e);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IllegalStateException(m.getName() + " failed", c);
        }
    }

    /**
     * Returns whether a tensor is contiguous in row-major order.
     *
     * @param x the tensor
     * @return whether its elements are dense and in logical order
     */
    static boolean isContiguous(PtNDArray x) {
        return (Boolean) invoke(IS_CONTIGUOUS, x.getHandle());
    }

    /**
     * Returns a contiguous tensor with the contents of {@code x}: {@code x} itself when it is
     * contiguous, otherwise a new copy attached to {@code x}'s manager, which the caller closes.
     *
     * @param x the tensor
     * @return {@code x} or a contiguous copy
     */
    static PtNDArray contiguous(PtNDArray x) {
        if (isContiguous(x)) {
            return x;
        }
        long handle = (Long) invoke(TO_CONTIGUOUS, x.getHandle());
        return new PtNDArray(x.getManager(), handle);
    }

    /**
     * Returns the address of a contiguous tensor's first element (a device address for a CUDA
     * tensor), or 0 for an empty tensor.
     *
     * @param x a contiguous tensor
     * @return the address
     */
    static long address(PtNDArray x) {
        long bytes = x.getShape().size() * x.getDataType().getNumOfBytes();
        if (bytes == 0) {
            return 0L;
        }
        if (bytes <= Integer.MAX_VALUE) {
            return bufferAddress(x);
        }
        // A JNI direct buffer cannot describe more than 2^31 - 1 bytes: address a view of the
        // first element instead (a view shares the data pointer).
        try (PtNDArray flat = JniUtils.reshape(x, new long[] {-1});
                PtNDArray first = JniUtils.slice(flat, 0, 0, 1, 1)) {
            return bufferAddress(first);
        }
    }

    private static long bufferAddress(PtNDArray x) {
        ByteBuffer b = (ByteBuffer) invoke(DIRECT_BUFFER, x.getHandle());
        if (b == null || !b.isDirect()) {
            throw new IllegalStateException("torchDirectByteBuffer returned no direct buffer for " + x.getShape());
        }
        // Only the address is taken; the (device) memory behind it is never read from Java.
        return new Pointer(b).address();
    }

    /**
     * Allocates an uninitialised tensor on a device.
     *
     * @param manager the owner
     * @param shape the shape
     * @param type the data type
     * @param device the device
     * @return the tensor
     */
    static PtNDArray empty(PtNDManager manager, Shape shape, DataType type, Device device) {
        return JniUtils.createEmptyNdArray(manager, shape, type, device, SparseFormat.DENSE);
    }

    /**
     * Allocates a zero-filled tensor on a device.
     *
     * @param manager the owner
     * @param shape the shape
     * @param type the data type
     * @param device the device
     * @return the tensor
     */
    static PtNDArray zeros(PtNDManager manager, Shape shape, DataType type, Device device) {
        return JniUtils.createZerosNdArray(manager, shape, type, device, SparseFormat.DENSE);
    }

    /**
     * Copies host bytes to a new tensor on a device.
     *
     * @param manager the owner
     * @param data a direct buffer in native order, positioned at the data
     * @param shape the shape
     * @param type the data type
     * @param device the device
     * @return the tensor
     */
    static PtNDArray upload(PtNDManager manager, ByteBuffer data, Shape shape, DataType type, Device device) {
        return JniUtils.createNdFromByteBuffer(manager, data, shape, type, SparseFormat.DENSE, device);
    }
}
