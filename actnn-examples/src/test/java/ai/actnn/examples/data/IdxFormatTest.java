package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

class IdxFormatTest {

    @TempDir Path dir;

    private static MnistArrays sample() {
        byte[] pixels = new byte[3 * 4 * 5];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 4);
        }
        return new MnistArrays(pixels, new byte[] {7, 0, 9}, 4, 5);
    }

    @Test
    void roundTripsPlainAndGzippedFiles() throws IOException {
        MnistArrays data = sample();
        Path images = dir.resolve("x-images-idx3-ubyte");
        Path labels = dir.resolve("x-labels-idx1-ubyte");
        IdxFormat.write(data, images, labels);
        MnistArrays back = IdxFormat.read(images, labels);
        assertArrayEquals(data.pixelBytes(), back.pixelBytes());
        assertArrayEquals(data.labelBytes(), back.labelBytes());
        assertEquals(4, back.rows());
        assertEquals(5, back.cols());

        Path gzImages = gzip(images);
        Path gzLabels = gzip(labels);
        MnistArrays fromGz = IdxFormat.read(gzImages, gzLabels);
        assertArrayEquals(data.pixelBytes(), fromGz.pixelBytes());
        assertEquals(60f / 255f * 4, fromGz.pixel(0, 3, 0) * 4, 1e-6);
    }

    @Test
    void rejectsSwappedAndTruncatedFiles() throws IOException {
        MnistArrays data = sample();
        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        IdxFormat.write(data, images, labels);
        IOException swapped = assertThrows(IOException.class, () -> IdxFormat.read(labels, images));
        assertTrue(swapped.getMessage().contains("not an IDX"), swapped.getMessage());
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        IOException truncated = assertThrows(IOException.class, () -> IdxFormat.read(images, labels));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }

    private Path gzip(Path file) throws IOException {
        Path gz = file.resolveSibling(file.getFileName() + ".gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(file));
        }
        return gz;
    }
}
