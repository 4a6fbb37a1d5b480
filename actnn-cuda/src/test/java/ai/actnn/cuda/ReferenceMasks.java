package ai.actnn.cuda;

import ai.actnn.quant.PackedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The 1-bit masks of docs/format.md written from the document, in plain Java, as the oracle of
 * the CUDA mask kernels that the CPU backend has no counterpart of: element {@code i} is bit
 * {@code i mod 8} of byte {@code i / 8}.
 */
public final class ReferenceMasks {

    private ReferenceMasks() {}

    /**
     * Packs {@code m != 0} (floating-point zeros of either sign are zero; NaN is not).
     *
     * @param m a host tensor of any numeric or boolean type
     * @param manager the owner of the mask
     * @return the mask
     */
    public static PackedMask packNonZero(NDArray m, NDManager manager) {
        double[] values;
        try (NDArray asDouble = m.toType(DataType.FLOAT64, true)) {
            values = asDouble.toDoubleArray();
        }
        byte[] bytes = new byte[(int) PackedMask.bytesFor(m.getShape())];
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 || Double.isNaN(values[i])) {
                bytes[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
        return new PackedMask(m.getShape(), manager.create(bytes, new Shape(bytes.length)).toType(DataType.UINT8, false));
    }
}
