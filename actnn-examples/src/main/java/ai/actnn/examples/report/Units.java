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
     * Converts a byte count that may be unknown to MB (MiB), rounded to one decimal.
     *
     * @param bytes a byte count, negative when unknown
     * @return MB with one decimal, or {@code null} when unknown (JSON null, an empty table cell)
     */
    public static Double mbOrNull(long bytes) {
        return bytes < 0 ? null : mb(bytes);
    }

    /**
     * Formats a byte count that may be unknown as MB (MiB) with three decimals: the engine's own
     * count of what it kept, which for small models is a fraction of a megabyte.
     *
     * @param bytes a byte count, negative when unknown
     * @return e.g. {@code "0.183"}, or {@code null} when unknown (an empty table cell)
     */
    public static String preciseMb(long bytes) {
        return bytes < 0 ? null : String.format("%.3f", bytes / BYTES_PER_MB);
    }

    /**
     * Converts MB (MiB) back to bytes, the inverse of {@link #mbOrNull} to MiB precision.
     *
     * @param mb MB, or {@code null} or NaN when unknown
     * @return the bytes, or -1 when unknown
     */
    public static long bytesOrUnknown(Double mb) {
        return mb == null || mb.isNaN() ? -1 : Math.round(mb * BYTES_PER_MB);
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
