package ai.actnn.quant.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Packs one-byte codes into the format's bit strings (code {@code j} at bit {@code j * b}, least
 * significant bit first), eight codes at a time with shifts and masks inside a 64-bit word: eight
 * codes of {@code b} bits are exactly {@code b} bytes, for every width from 1 to 8.
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
     * @param bits 1 to 8
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
            case 3:
            case 5:
            case 6:
            case 7:
                packOdd(codes, count, bits, out);
                break;
            default:
                throw new IllegalArgumentException("bits " + bits + " is not supported: allowed are 1 to 8");
        }
    }

    /**
     * Packs widths that do not divide 8 (3, 5, 6, 7), whose codes may straddle two bytes: the eight
     * code bytes of a 64-bit word are merged pairwise (two codes in the low {@code 2b} bits of each
     * 16-bit slot), then into fours ({@code 4b} bits of each 32-bit slot), then into the word's low
     * {@code 8b} bits, which are the run's {@code b} bytes, least significant first. Each merge keeps
     * the even slots in place and masks the shifted odd slots to their target bits, so that the
     * high bits of a shifted even slot never leak into its neighbour.
     */
    private static void packOdd(byte[] codes, int count, int bits, byte[] out) {
        long pairs = repeat(((1L << bits) - 1) << bits, 16);
        long fours = repeat(((1L << (2 * bits)) - 1) << (2 * bits), 32);
        long eights = ((1L << (4 * bits)) - 1) << (4 * bits);
        for (int i = 0, o = 0; i < count; i += 8, o += bits) {
            long w = (long) LONGS.get(codes, i);
            w = (w & 0x00FF00FF00FF00FFL) | ((w >>> (8 - bits)) & pairs);
            w = (w & 0x0000FFFF0000FFFFL) | ((w >>> (16 - 2 * bits)) & fours);
            w = (w & 0x00000000FFFFFFFFL) | ((w >>> (32 - 4 * bits)) & eights);
            // the low 8 * bits bits are the run's bytes
            if (bits == 3) {
                SHORTS.set(out, o, (short) w);
                out[o + 2] = (byte) (w >>> 16);
            } else {
                INTS.set(out, o, (int) w);
                for (int k = 4; k < bits; k++) {
                    out[o + k] = (byte) (w >>> (8 * k));
                }
            }
        }
    }

    /** Repeats a mask every {@code period} bits of a 64-bit word. */
    private static long repeat(long mask, int period) {
        long r = 0;
        for (int shift = 0; shift < 64; shift += period) {
            r |= mask << shift;
        }
        return r;
    }

    /**
     * Reads the code of element {@code j} from packed bytes.
     *
     * @param packed the packed bytes of a group (a code that straddles two bytes reads both)
     * @param j the element
     * @param bits 1 to 8
     * @return the code
     */
    static int code(byte[] packed, int j, int bits) {
        int bit = j * bits;
        int at = bit >>> 3;
        int shift = bit & 7;
        int two = (packed[at] & 0xFF) | (shift + bits > 8 ? (packed[at + 1] & 0xFF) << 8 : 0);
        return (two >>> shift) & ((1 << bits) - 1);
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

    /**
     * Reads 64 bits little-endian, for decoders of eight codes of more than 4 bits.
     *
     * @param packed the bytes
     * @param offset the first byte
     * @return the long
     */
    static long int64(byte[] packed, int offset) {
        return (long) LONGS.get(packed, offset);
    }
}
