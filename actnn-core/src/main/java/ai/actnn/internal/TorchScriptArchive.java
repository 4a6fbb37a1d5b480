package ai.actnn.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive for a module that has methods but no parameters, from TorchScript
 * source alone. DJL exposes no Java API for PyTorch's backward kernels (convolution_backward,
 * native_batch_norm_backward, ...), but it loads TorchScript modules, and TorchScript may call any
 * aten op: so the library writes the module it needs at run time, with no Python involved.
 *
 * <p>The archive holds: {@code data.pkl} (a protocol-2 pickle of the module object: its class and
 * {@code {"training": True}}), {@code constants.pkl} (an empty tuple), {@code code/__torch__.py}
 * (the class source), {@code version} and {@code byteorder}.
 */
final class TorchScriptArchive {

    private TorchScriptArchive() {}

    /**
     * Builds the archive.
     *
     * @param className the TorchScript class name (a Python identifier)
     * @param source the class source, starting with {@code class <className>(Module):}
     * @return the archive bytes
     */
    static byte[] build(String className, String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            // Entries must share one top folder; TorchScript finds the records by suffix.
            put(zip, "archive/data.pkl", modulePickle(className));
            put(zip, "archive/constants.pkl", emptyTuplePickle());
            put(zip, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            put(zip, "archive/version", "3".getBytes(StandardCharsets.UTF_8));
            put(zip, "archive/byteorder", "little".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80); // PROTO 2
        b.write(2);
        b.write('c'); // GLOBAL module\nname\n
        b.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.UTF_8));
        b.write(')'); // EMPTY_TUPLE
        b.write(0x81); // NEWOBJ
        b.write('}'); // EMPTY_DICT
        byte[] key = "training".getBytes(StandardCharsets.UTF_8);
        b.write('X'); // BINUNICODE, 4-byte little-endian length
        b.write(key.length);
        b.write(0);
        b.write(0);
        b.write(0);
        b.writeBytes(key);
        b.write(0x88); // NEWTRUE
        b.write('s'); // SETITEM
        b.write('b'); // BUILD
        b.write('.'); // STOP
        return b.toByteArray();
    }

    private static byte[] emptyTuplePickle() {
        return new byte[] {(byte) 0x80, 2, ')', '.'};
    }
}
