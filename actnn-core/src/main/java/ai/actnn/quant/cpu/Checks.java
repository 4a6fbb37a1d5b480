package ai.actnn.quant.cpu;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

/**
 * The argument checks of the CPU backend, with messages that name the bad value and what is
 * allowed, so that a misuse surfaces as an {@link IllegalArgumentException} and never reaches the
 * kernels (which would read the wrong memory).
 */
final class Checks {

    private Checks() {}

    /**
     * Checks a tensor that is quantized or masked: a dense FLOAT32 or FLOAT16 tensor on the CPU.
     *
     * @param what the tensor's role, for messages
     * @param x the tensor
     */
    static void floatTensor(String what, NDArray x) {
        hostTensor(what, x);
        DataType type = x.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    what + " has data type " + type + ", which the cpu quantizer does not support:"
                            + " allowed are float32, float16");
        }
    }

    /**
     * Checks a dense tensor on the CPU whose bytes one direct buffer can address.
     *
     * @param what the tensor's role, for messages
     * @param x the tensor
     */
    static void hostTensor(String what, NDArray x) {
        if (x == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        device(what, x.getDevice());
        if (x.getSparseFormat() != SparseFormat.DENSE) {
            throw new IllegalArgumentException(
                    what + " is a " + x.getSparseFormat() + " sparse tensor: allowed are dense tensors");
        }
        long bytes = x.size() * x.getDataType().getNumOfBytes();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    what + " of shape " + x.getShape() + " holds " + bytes
                            + " bytes: the cpu quantizer handles at most " + Integer.MAX_VALUE
                            + " bytes per tensor (split it along the first dimension)");
        }
    }

    /**
     * Checks that data lives on the CPU.
     *
     * @param what the data's role, for messages
     * @param device its device
     */
    static void device(String what, Device device) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            throw new IllegalArgumentException(
                    what + " is on device " + device + ", which the cpu quantizer does not support:"
                            + " allowed is cpu (use QuantizerBackends.forDevice for other devices)");
        }
    }
}
