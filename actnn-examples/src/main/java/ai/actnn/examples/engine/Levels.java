package ai.actnn.examples.engine;

import ai.actnn.config.OptimizationLevel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The level names that the examples accept: {@value #PLAIN} (plain DJL training, no ActNN at all),
 * {@code L0}..{@code L5} and {@code auto} (ActNN's optimization levels).
 */
public final class Levels {

    /** Plain DJL training without ActNN. */
    public static final String PLAIN = "plain";

    /** All accepted names, in order. */
    public static final List<String> ALL = List.of(PLAIN, "L0", "L1", "L2", "L3", "L4", "L5", "auto");

    private Levels() {}

    /**
     * Returns the canonical spelling of a level name ({@code "l3"} gives {@code "L3"}).
     *
     * @param text the name, case-insensitive
     * @return {@value #PLAIN}, {@code "L0"}..{@code "L5"} or {@code "auto"}
     * @throws IllegalArgumentException for an unknown name, listing the allowed ones
     */
    public static String canonical(String text) {
        if (text != null && text.trim().toLowerCase(Locale.ROOT).equals(PLAIN)) {
            return PLAIN;
        }
        try {
            return OptimizationLevel.parse(text).label();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Unknown level '" + text + "': allowed are " + String.join(", ", ALL), e);
        }
    }

    /**
     * Parses a list of level names, dropping duplicates but keeping the order.
     *
     * @param texts the names
     * @return the canonical names
     * @throws IllegalArgumentException for an unknown name or an empty list
     */
    public static List<String> canonical(List<String> texts) {
        if (texts == null || texts.isEmpty()) {
            throw new IllegalArgumentException("at least one level is needed: allowed are " + String.join(", ", ALL));
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String t : texts) {
            out.add(canonical(t));
        }
        return new ArrayList<>(out);
    }

    /**
     * Returns whether a canonical level name means plain DJL training.
     *
     * @param level a canonical name
     * @return whether it is {@value #PLAIN}
     */
    public static boolean isPlain(String level) {
        return PLAIN.equals(level);
    }
}
