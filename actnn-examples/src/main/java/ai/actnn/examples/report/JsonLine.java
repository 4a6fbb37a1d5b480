package ai.actnn.examples.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One flat JSON object, written on one line: string, number, boolean, null and array values, in
 * insertion order. Non-finite numbers (NaN, infinities) are written as {@code null}, as JSON has no
 * such numbers.
 *
 * <pre>{@code
 * String line = new JsonLine().put("model", "resnet18").put("batch", 16).put("ips", 41.7).toString();
 * // {"model":"resnet18","batch":16,"ips":41.7}
 * }</pre>
 */
public final class JsonLine {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    /**
     * Sets a string field ({@code null} writes null).
     *
     * @param key the field name
     * @param value the value
     * @return this object
     */
    public JsonLine put(String key, String value) {
        fields.put(requireKey(key), value);
        return this;
    }

    /**
     * Sets a number field ({@code null}, NaN and infinities write null).
     *
     * @param key the field name
     * @param value the value
     * @return this object
     */
    public JsonLine put(String key, Number value) {
        fields.put(requireKey(key), value);
        return this;
    }

    /**
     * Sets a boolean field.
     *
     * @param key the field name
     * @param value the value
     * @return this object
     */
    public JsonLine put(String key, boolean value) {
        fields.put(requireKey(key), value);
        return this;
    }

    /**
     * Sets an array field whose elements are strings, numbers, booleans or nulls.
     *
     * @param key the field name
     * @param values the elements
     * @return this object
     * @throws IllegalArgumentException for an element of another type
     */
    public JsonLine putArray(String key, Collection<?> values) {
        for (Object v : values) {
            checkScalar(v);
        }
        fields.put(requireKey(key), Collections.unmodifiableList(new ArrayList<>(values)));
        return this;
    }

    /**
     * Sets an array field of numbers.
     *
     * @param key the field name
     * @param values the numbers
     * @return this object
     */
    public JsonLine putArray(String key, double... values) {
        fields.put(requireKey(key), java.util.Arrays.stream(values).boxed().toList());
        return this;
    }

    /**
     * Sets a field to null.
     *
     * @param key the field name
     * @return this object
     */
    public JsonLine putNull(String key) {
        fields.put(requireKey(key), null);
        return this;
    }

    /**
     * Returns the fields, in insertion order (unmodifiable).
     *
     * @return the fields
     */
    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /**
     * Returns the object as one line of JSON, without a line break.
     *
     * @return the JSON text
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(32 + 24 * fields.size()).append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            appendString(sb, e.getKey());
            sb.append(':');
            appendValue(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static void appendValue(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            appendString(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Number n) {
            appendNumber(sb, n);
        } else if (v instanceof Collection<?> list) {
            sb.append('[');
            boolean first = true;
            for (Object item : list) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                appendValue(sb, item);
            }
            sb.append(']');
        } else {
            throw new IllegalStateException("unexpected JSON value " + v.getClass());
        }
    }

    private static void appendNumber(StringBuilder sb, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                sb.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append((long) d);
            } else {
                sb.append(n instanceof Float ? Float.toString(n.floatValue()) : Double.toString(d));
            }
        } else {
            sb.append(n.toString());
        }
    }

    /**
     * Appends a JSON string literal: quotes, backslashes and control characters escaped, and the
     * line separators U+2028/U+2029 too (so the line stays one line for every reader).
     *
     * @param sb the target
     * @param s the string
     */
    static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("JSON field name must not be empty");
        }
        return key;
    }

    private static void checkScalar(Object v) {
        if (v != null && !(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) {
            throw new IllegalArgumentException("JSON array elements must be strings, numbers or booleans, not "
                    + v.getClass().getSimpleName());
        }
    }
}
