package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TarGzReaderTest {

    @Test
    void readsWantedRegularFilesWithPrefixAndPaxNames() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/a.txt", "", '0', bytes("hello"));
        entry(tar, "dir/", "", '5', new byte[0]);
        entry(tar, "b.json", "package/src", '0', bytes("{\"data\":[1]}"));
        entry(tar, "PaxHeader", "", 'x', bytes("27 path=package/long-name\n"));
        entry(tar, "short", "", '0', bytes("pax!"));
        entry(tar, "package/skip.bin", "", '0', new byte[700]);
        tar.write(new byte[1024]);

        Map<String, byte[]> files = TarGzReader.read(
                new ByteArrayInputStream(tar.toByteArray()), n -> !n.endsWith(".bin"), "test.tar");
        assertEquals(java.util.List.of("package/a.txt", "package/src/b.json", "package/long-name"),
                java.util.List.copyOf(files.keySet()));
        assertArrayEquals(bytes("hello"), files.get("package/a.txt"));
        assertArrayEquals(bytes("pax!"), files.get("package/long-name"));
    }

    @Test
    void rejectsCorruptHeaders() {
        byte[] junk = new byte[512];
        junk[0] = 'x';
        IOException e = assertThrows(IOException.class,
                () -> TarGzReader.read(new ByteArrayInputStream(junk), n -> true, "junk.tar"));
        assertEquals("junk.tar is not a valid tar archive (header checksum mismatch)", e.getMessage());
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
