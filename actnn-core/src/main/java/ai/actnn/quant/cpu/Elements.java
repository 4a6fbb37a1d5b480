package ai.actnn.quant.cpu;

import ai.actnn.quant.Half;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Bulk reads and writes of the elements of a FLOAT32 or FLOAT16 tensor as floats. Only absolute
 * bulk operations are used, so many threads may share one instance on disjoint ranges.
 */
abstract class Elements {

    /**
     * Wraps the data of a tensor.
     *
     * @param bytes the data in native byte order
     * @param type FLOAT32 or FLOAT16
     * @return the accessor
     */
    static Elements of(ByteBuffer bytes, DataType type) {
        return type == DataType.FLOAT16 ? new Fp16(bytes.asShortBuffer()) : new Fp32(bytes);
    }

    /**
     * Returns the data of an FP32 tensor as bytes in native order, for kernels that read and write
     * it in place, or null for another type.
     *
     * @return the bytes, or null
     */
    ByteBuffer fp32() {
        return null;
    }

    /**
     * Reads elements {@code [first, first + length)} as floats.
     *
     * @param first the first element's index
     * @param dst the destination, filled from 0
     * @param length the number of elements
     * @param scratch the calling thread's scratch arrays
     */
    abstract void read(long first, float[] dst, int length, Scratch scratch);

    /**
     * Writes elements {@code [first, first + length)}, rounding to the tensor's type.
     *
     * @param first the first element's index
     * @param src the values, from 0
     * @param length the number of elements
     * @param scratch the calling thread's scratch arrays
     */
    abstract void write(long first, float[] src, int length, Scratch scratch);

    private static final class Fp32 extends Elements {
        private final ByteBuffer bytes;
        private final FloatBuffer data;

        Fp32(ByteBuffer bytes) {
            this.bytes = bytes;
            this.data = bytes.asFloatBuffer();
        }

        @Override
        ByteBuffer fp32() {
            return bytes;
        }

        @Override
        void read(long first, float[] dst, int length, Scratch scratch) {
            data.get((int) first, dst, 0, length);
        }

        @Override
        void write(long first, float[] src, int length, Scratch scratch) {
            data.put((int) first, src, 0, length);
        }
    }

    private static final class Fp16 extends Elements {
        private final ShortBuffer data;

        Fp16(ShortBuffer data) {
            this.data = data;
        }

        @Override
        void read(long first, float[] dst, int length, Scratch scratch) {
            short[] halves = scratch.halves;
            data.get((int) first, halves, 0, length);
            for (int i = 0; i < length; i++) {
                dst[i] = Half.toFloat(halves[i]);
            }
        }

        @Override
        void write(long first, float[] src, int length, Scratch scratch) {
            short[] halves = scratch.halves;
            for (int i = 0; i < length; i++) {
                halves[i] = Half.fromFloat(src[i]);
            }
            data.put((int) first, halves, 0, length);
        }
    }
}
