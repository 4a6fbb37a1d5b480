package ai.actnn.quant;

import java.util.Arrays;

/**
 * A piecewise-constant table over intervals of the input: sorted boundaries, one value per
 * interval, and the code width that can name every interval. A few-bit code of each element's
 * interval stands for a function of the element (a smooth activation's derivative).
 *
 * @param boundaries sorted interval boundaries
 * @param values one value per interval ({@code boundaries.length + 1} of them)
 * @param bits bits per code, 1 to 8, with {@code 2^bits >= values.length}
 */
public record CodeTable(float[] boundaries, float[] values, int bits) {

    /**
     * Validates the table.
     *
     * @throws IllegalArgumentException naming what is inconsistent
     */
    public CodeTable {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("code table of " + bits + " bits: allowed are 1 to 8");
        }
        if (values.length != boundaries.length + 1 || values.length > (1 << bits)) {
            throw new IllegalArgumentException(
                    "code table has " + boundaries.length + " boundaries and " + values.length
                            + " values at " + bits + " bits: allowed are boundaries + 1 values, at most 2^bits");
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (!(boundaries[i - 1] <= boundaries[i])) {
                throw new IllegalArgumentException("code table boundaries are not sorted: " + Arrays.toString(boundaries));
            }
        }
        boundaries = boundaries.clone();
        values = values.clone();
    }

    /** {@inheritDoc} */
    @Override
    public float[] boundaries() {
        return boundaries.clone();
    }

    /** {@inheritDoc} */
    @Override
    public float[] values() {
        return values.clone();
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object o) {
        return o instanceof CodeTable t
                && bits == t.bits
                && Arrays.equals(boundaries, t.boundaries)
                && Arrays.equals(values, t.values);
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(boundaries) + Arrays.hashCode(values)) + bits;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "CodeTable[" + values.length + " values, " + bits + " bits]";
    }
}
