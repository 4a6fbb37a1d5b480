package ai.actnn.quant;

import ai.actnn.config.ActNNConfig;

import java.util.Arrays;

/**
 * What one quantization call does: bits per sample, group size, the key of the random stream and
 * the rounding mode. Immutable.
 */
public final class QuantizeSpec {

    private final byte[] bits;
    private final int uniformBits;
    private final int groupSize;
    private final long key;
    private final boolean stochastic;

    private QuantizeSpec(byte[] bits, int uniformBits, int groupSize, long key, boolean stochastic) {
        ActNNConfig.checkGroupSize(groupSize);
        this.bits = bits;
        this.uniformBits = uniformBits;
        this.groupSize = groupSize;
        this.key = key;
        this.stochastic = stochastic;
    }

    /**
     * Creates a spec with the same bits for every sample.
     *
     * @param bits 1 to 8
     * @param groupSize a positive multiple of 32
     * @param key the key of the random stream
     * @param stochastic stochastic (true) or nearest (false) rounding
     * @return the spec
     * @throws IllegalArgumentException for unsupported bits or group size
     */
    public static QuantizeSpec uniform(int bits, int groupSize, long key, boolean stochastic) {
        ActNNConfig.checkBits("bits", bits);
        return new QuantizeSpec(null, bits, groupSize, key, stochastic);
    }

    /**
     * Creates a spec with each sample's own bits.
     *
     * @param bits one entry per sample, each 1 to 8
     * @param groupSize a positive multiple of 32
     * @param key the key of the random stream
     * @param stochastic stochastic (true) or nearest (false) rounding
     * @return the spec
     * @throws IllegalArgumentException for unsupported bits or group size
     */
    public static QuantizeSpec perSample(int[] bits, int groupSize, long key, boolean stochastic) {
        byte[] b = new byte[bits.length];
        for (int i = 0; i < bits.length; i++) {
            ActNNConfig.checkBits("bits of sample " + i, bits[i]);
            b[i] = (byte) bits[i];
        }
        return new QuantizeSpec(b, 0, groupSize, key, stochastic);
    }

    /**
     * Returns the bits of every one of {@code samples} samples.
     *
     * @param samples the number of samples of the tensor being packed
     * @return one entry per sample
     * @throws IllegalArgumentException if per-sample bits do not match the number of samples
     */
    public byte[] bitsFor(int samples) {
        if (bits == null) {
            byte[] b = new byte[samples];
            Arrays.fill(b, (byte) uniformBits);
            return b;
        }
        if (bits.length != samples) {
            throw new IllegalArgumentException(
                    "per-sample bits were given for "
                            + bits.length
                            + " samples but the tensor has "
                            + samples);
        }
        return bits.clone();
    }

    /**
     * Returns the group size.
     *
     * @return the group size
     */
    public int getGroupSize() {
        return groupSize;
    }

    /**
     * Returns the key of the random stream.
     *
     * @return the key
     */
    public long getKey() {
        return key;
    }

    /**
     * Returns whether rounding is stochastic.
     *
     * @return the flag
     */
    public boolean isStochastic() {
        return stochastic;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "QuantizeSpec{bits="
                + (bits == null ? String.valueOf(uniformBits) : Arrays.toString(bits))
                + ", groupSize="
                + groupSize
                + ", stochastic="
                + stochastic
                + '}';
    }
}
