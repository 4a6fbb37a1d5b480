package ai.actnn.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/**
 * Reads and writes the IDX files of MNIST (big-endian: a magic number {@code 0x00000803} for
 * unsigned-byte rank-3 image files and {@code 0x00000801} for rank-1 label files, the dimensions,
 * then the bytes). Gzipped files are recognised by their content.
 */
public final class IdxFormat {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxFormat() {}

    /**
     * Reads an image file and its label file.
     *
     * @param images the {@code *-images-idx3-ubyte[.gz]} file
     * @param labels the {@code *-labels-idx1-ubyte[.gz]} file
     * @return the images with their labels
     * @throws IOException if a file cannot be read or is not a valid IDX file
     */
    public static MnistArrays read(Path images, Path labels) throws IOException {
        byte[] labelBytes;
        try (DataInputStream in = open(labels)) {
            checkMagic(in.readInt(), LABELS_MAGIC, labels);
            int n = in.readInt();
            labelBytes = readFully(in, n, labels);
        }
        try (DataInputStream in = open(images)) {
            checkMagic(in.readInt(), IMAGES_MAGIC, images);
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n != labelBytes.length) {
                throw new IOException(images + " holds " + n + " images but " + labels + " holds "
                        + labelBytes.length + " labels");
            }
            byte[] pixels = readFully(in, Math.multiplyExact(Math.multiplyExact(n, rows), cols), images);
            try {
                return new MnistArrays(pixels, labelBytes, rows, cols);
            } catch (IllegalArgumentException e) {
                throw new IOException("invalid MNIST data in " + labels + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes images and labels as two uncompressed IDX files, each atomically (through a temporary
     * file in the same directory).
     *
     * @param data the images
     * @param images the image file to write
     * @param labels the label file to write
     * @throws IOException if writing fails
     */
    public static void write(MnistArrays data, Path images, Path labels) throws IOException {
        writeAtomically(labels, out -> {
            out.writeInt(LABELS_MAGIC);
            out.writeInt(data.count());
            out.write(data.labelBytes());
        });
        writeAtomically(images, out -> {
            out.writeInt(IMAGES_MAGIC);
            out.writeInt(data.count());
            out.writeInt(data.rows());
            out.writeInt(data.cols());
            out.write(data.pixelBytes());
        });
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static void writeAtomically(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp);
                    DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
                writer.write(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return new DataInputStream(in);
    }

    private static void checkMagic(int magic, int expected, Path file) throws IOException {
        if (magic != expected) {
            throw new IOException(String.format(
                    "%s is not an IDX %s file (magic 0x%08x, expected 0x%08x)",
                    file, expected == IMAGES_MAGIC ? "image" : "label", magic, expected));
        }
    }

    private static byte[] readFully(DataInputStream in, int n, Path file) throws IOException {
        if (n < 0) {
            throw new IOException(file + " declares a negative size");
        }
        byte[] bytes = new byte[n];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated (expected " + n + " data bytes)", e);
        }
        return bytes;
    }
}
