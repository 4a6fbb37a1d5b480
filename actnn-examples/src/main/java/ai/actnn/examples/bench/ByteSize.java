package ai.actnn.examples.bench;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses memory sizes: a number (integer, decimal or exponent form) with an optional unit. Binary
 * units {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB} (also {@code K}, {@code M}, {@code G},
 * {@code T}) are powers of 1024; decimal units {@code kB}, {@code MB}, {@code GB}, {@code TB} are
 * powers of 1000; {@code B} or no unit means bytes. Case-insensitive.
 *
 * <p>Examples: {@code 4GiB}, {@code 512MiB}, {@code 1e9}, {@code 1.5G}, {@code 800MB}.
 */
public final class ByteSize {

    private static final Pattern FORMAT =
            Pattern.compile("([0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\\s*([a-zA-Z]*)");

    private ByteSize() {}

    /**
     * Parses a size.
     *
     * @param text the size
     * @return the number of bytes (rounded down), at least 1
     * @throws IllegalArgumentException for a malformed value, an unknown unit, zero, or a size
     *     beyond {@code Long.MAX_VALUE}, with a message showing valid examples
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.trim();
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            throw invalid(text, "not a number with an optional unit");
        }
        long unit = unit(m.group(2), text);
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw invalid(text, "too large");
        }
        long value = bytes.longValue();
        if (value < 1) {
            throw invalid(text, "must be at least 1 byte");
        }
        return value;
    }

    /**
     * Formats bytes with a binary unit, e.g. {@code 4.0 GiB}.
     *
     * @param bytes a byte count
     * @return the text
     */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static long unit(String unit, String text) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw invalid(text, "unknown unit '" + unit + "'");
        };
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("Invalid size '" + text + "' (" + why
                + "): use e.g. 4GiB, 512MiB, 800MB or 1e9 (bytes)");
    }
}
