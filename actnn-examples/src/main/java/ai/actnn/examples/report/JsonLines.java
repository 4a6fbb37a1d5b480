package ai.actnn.examples.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.util.Locale;

/**
 * The JSON-lines format of the examples' records (benchmark results, epochs, quantizer timings),
 * read by {@code docs/bench/tables.py}: one object per line, fields in record-component order
 * with {@code snake_case} names, and numbers as the tables have always shown them:
 *
 * <ul>
 *   <li>a {@code double} or {@code float} with an integral value below 10^15 is written without a
 *       fraction ({@code 2.0} as {@code 2}), any other as {@link Double#toString} or {@link
 *       Float#toString} writes it;
 *   <li>NaN and the infinities are written as {@code null} (JSON has no such numbers);
 *   <li>a component annotated {@code @JsonSerialize(using = JsonLines.FourDecimals.class)} is
 *       written with exactly four decimals ({@code 1.0000}), as the quantizer benchmark is.
 * </ul>
 *
 * <p>Strings escape the line separators U+2028 and U+2029 as well, so that a line stays one line
 * for JavaScript readers too.
 */
public final class JsonLines {

    private static final ObjectMapper MAPPER = newMapper();

    private JsonLines() {}

    /**
     * Returns a record as one line of JSON, without a line break.
     *
     * @param record a record (or any bean) whose components are strings, numbers, booleans, lists
     *     or arrays of them, or null
     * @return the JSON text
     * @throws IllegalArgumentException if Jackson cannot serialize the object
     */
    public static String write(Object record) {
        try {
            return MAPPER.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + record.getClass().getSimpleName()
                    + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads one line back into a record of the given type.
     *
     * @param line the JSON text of one object
     * @param type the record type, whose components are named as {@link #write} names them
     * @param <T> the record type
     * @return the record
     * @throws IllegalArgumentException if the text is not JSON, or lacks a required field, quoting
     *     the line and saying what is wrong
     */
    public static <T> T read(String line, Class<T> type) {
        try {
            return MAPPER.readValue(line, type);
        } catch (JsonProcessingException e) {
            throw invalid(line, type.getSimpleName(), e);
        }
    }

    /**
     * Reads one line as a tree, for readers that look at single fields.
     *
     * @param line the JSON text of one object
     * @return the object node
     * @throws IllegalArgumentException if the text is not one JSON object
     */
    public static JsonNode readTree(String line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw invalid(line, "a JSON object", e);
        }
        if (node == null || !node.isObject()) {
            String found = node == null || node.isMissingNode()
                    ? "empty"
                    : node.getNodeType().toString().toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException("cannot read '" + line + "' as a JSON object: it is " + found);
        }
        return node;
    }

    private static IllegalArgumentException invalid(String line, String expected, JsonProcessingException e) {
        return new IllegalArgumentException("cannot read '" + line + "' as " + expected + ": "
                + e.getOriginalMessage(), e);
    }

    private static ObjectMapper newMapper() {
        JsonFactory factory = new JsonFactoryBuilder().characterEscapes(new LineSeparatorEscapes()).build();
        SimpleModule numbers = new SimpleModule("actnn-json-lines")
                .addSerializer(Double.class, new CompactNumber<>(Double.class))
                .addSerializer(Double.TYPE, new CompactNumber<>(Double.class))
                .addSerializer(Float.class, new CompactNumber<>(Float.class))
                .addSerializer(Float.TYPE, new CompactNumber<>(Float.class));
        return JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                // one object per line: text after it means the line is not what its writer wrote
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .addModule(numbers)
                .build();
    }

    /**
     * Doubles and floats: integral values without a fraction, NaN and infinities as null, others
     * with the shortest digits of their own type ({@link Float#toString} for a float).
     */
    private static final class CompactNumber<T extends Number> extends StdSerializer<T> {
        private static final long serialVersionUID = 1L;

        CompactNumber(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
                gen.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                gen.writeNumber((long) d);
            } else if (value instanceof Float f) {
                gen.writeNumber(f.floatValue());
            } else {
                gen.writeNumber(d);
            }
        }
    }

    /**
     * Writes a {@code double} with exactly four decimals ({@code 0.3200}), NaN and infinities as
     * null, as the quantizer benchmark has always written its timings and bandwidths
     * ({@code docs/bench/results/quantizer*.jsonl}).
     */
    public static final class FourDecimals extends StdSerializer<Double> {
        private static final long serialVersionUID = 1L;

        /** Creates the serializer (Jackson instantiates it from the annotation). */
        public FourDecimals() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value == null || !Double.isFinite(value)) {
                gen.writeNull();
            } else {
                gen.writeNumber(String.format(Locale.ROOT, "%.4f", value));
            }
        }
    }

    /**
     * Jackson's standard escapes, plus U+2028 and U+2029, and lower-case hex digits in
     * {@code \\u00XX} escapes of control characters (as the records were always written).
     */
    private static final class LineSeparatorEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;

        private final int[] ascii = standardAsciiEscapesForJSON();

        LineSeparatorEscapes() {
            for (int c = 0; c < 0x20; c++) {
                if (ascii[c] == ESCAPE_STANDARD) {
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x20 || ch == '\u2028' || ch == '\u2029') {
                return new SerializedString(String.format(Locale.ROOT, "\\u%04x", ch));
            }
            return null;
        }
    }
}
