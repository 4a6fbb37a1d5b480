package ai.actnn.examples.report;

/** Unit conversions and rounding for reports. Memory "MB" means MiB (2^20 bytes), as in ActNN. */
public final class Units {

    /** Bytes per MB (MiB). */
    public static final double BYTES_PER_MB = 1024.0 * 1024.0;

    private Units() {}

    /**
     * Converts bytes to MB (MiB), rounded to one decimal.
     *
     * @param bytes a byte count
     * @return MB with one decimal
     */
    public static double mb(long bytes) {
        return round(bytes / BYTES_PER_MB, 1);
    }

    /**
     * Rounds to a number of decimals; non-finite values stay as they are.
     *
     * @param value the value
     * @param decimals decimals to keep
     * @return the rounded value
     */
    public static double round(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return value;
        }
        double f = Math.pow(10, decimals);
        return Math.round(value * f) / f;
    }
}
