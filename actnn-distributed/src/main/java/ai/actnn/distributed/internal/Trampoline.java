package ai.actnn.distributed.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The catching trampoline ({@code src/main/native/trampoline.cc}, built with the module and
 * shipped in its jar): calls an exported C++ function with up to six integer or pointer arguments
 * and turns any C++ exception it throws into a Java exception. Without it, an exception thrown by
 * c10d (a peer gone during the process group's construction, a timed-out wait) would end the JVM.
 */
public final class Trampoline {

    private static final String RESOURCE = "/ai/actnn/distributed/native/linux-x86_64/libactnn_c10d_trampoline.so";
    private static boolean loaded;

    private Trampoline() {}

    /**
     * Loads the native library from the jar (once), into the given directory.
     *
     * @param directory where to write it (DJL's private cache beside its natives)
     * @throws IllegalStateException if the library is not in the jar or cannot be loaded
     */
    static synchronized void load(Path directory) {
        if (loaded) {
            return;
        }
        try (InputStream in = Trampoline.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the native trampoline " + RESOURCE + " is not in actnn-distributed's"
                        + " jar: the module was built without g++ (see docs/distributed.md)");
            }
            Files.createDirectories(directory);
            // A private copy per process, written atomically: several ranks start at once.
            Path tmp = Files.createTempFile(directory, "libactnn_c10d_trampoline", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                System.load(tmp.toAbsolutePath().toString());
            } finally {
                // The mapping stays valid after the file is removed.
                Files.deleteIfExists(tmp);
            }
            loaded = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the native trampoline into " + directory, e);
        }
    }

    private static native String call6(long fn, long a0, long a1, long a2, long a3, long a4, long a5);

    /**
     * Calls {@code fn(args...)} and rethrows a C++ exception as a Java one.
     *
     * @param what what is called, for the message
     * @param fn the function's address
     * @param args at most 6 integer or pointer arguments
     * @throws NativeException if the function threw
     */
    static void call(String what, long fn, long... args) {
        if (args.length > 6) {
            throw new IllegalArgumentException(what + ": at most 6 arguments, not " + args.length);
        }
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        String error = call6(fn, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (error != null) {
            throw new NativeException(what + ": " + error);
        }
    }
}
