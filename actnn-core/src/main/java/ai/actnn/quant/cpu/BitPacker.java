package ai.actnn.quant.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Packs one-byte codes into the format's bit strings (code {@code j} at bit {@code j * b}, least
 * significant bit first), eight codes at a time with shifts and masks inside a 64-bit word.
 */
final class BitPacker {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORTS =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private BitPacker() {}

    /**
     * Packs {@code count} codes.
     *
     * @param codes one code per byte, each below {@code 2^bits}
     * @param count the number of codes, a multiple of 32
     * @param bits 1, 2, 4 or 8
     * @param out receives {@code count * bits / 8} bytes from index 0
     */
    static void pack(byte[] codes, int count, int bits, byte[] out) {
        switch (bits) {
            case 8:
                System.arraycopy(codes, 0, out, 0, count);
                break;
            case 4:
                for (int i = 0; i < count; i += 8) {
                    long w = (long) LONGS.get(codes, i);
                    w = (w | (w >>> 4)) & 0x00FF00FF00FF00FFL;
                    w = (w | (w >>> 8)) & 0x0000FFFF0000FFFFL;
                    INTS.set(out, i / 2, (int) (w | (w >>> 16)));
                }
                break;
            case 2:
                for (int i = 0; i < count; i += 8) {
                    long w = (long) LONGS.get(codes, i);
                    w = (w | (w >>> 6)) & 0x00FF00FF00FF00FFL;
                    w = (w | (w >>> 12)) & 0x000000FF000000FFL;
                    SHORTS.set(out, i / 4, (short) (w | (w >>> 24)));
                }
                break;
            case 1:
                for (int i = 0; i < count; i += 8) {
                    // each byte is 0 or 1: the multiplication gathers the eight bits in the top byte
                    out[i / 8] = (byte) (((long) LONGS.get(codes, i) * 0x0102040810204080L) >>> 56);
                }
                break;
            default:
                throw new IllegalArgumentException("bits " + bits + " is not supported: allowed are 1, 2, 4, 8");
        }
    }

    /**
     * Reads the code of element {@code j} from packed bytes.
     *
     * @param packed the packed bytes of a group
     * @param j the element
     * @param bits 1, 2, 4 or 8
     * @return the code
     */
    static int code(byte[] packed, int j, int bits) {
        int bit = j * bits;
        return (packed[bit >>> 3] >>> (bit & 7)) & ((1 << bits) - 1);
    }

    /**
     * Reads 32 bits little-endian, for decoders that extract several codes at once.
     *
     * @param packed the bytes
     * @param offset the first byte
     * @return the int
     */
    static int int32(byte[] packed, int offset) {
        return (int) INTS.get(packed, offset);
    }
}
