package ai.actnn.internal;

import ai.djl.engine.Engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The libtorch that DJL loaded, for the few exported C++ functions that DJL does not wrap
 * (process-wide switches, the random generator's state). Symbols are looked up in that very copy
 * of the library, so they act on the state DJL's tensors use.
 */
final class LibTorch {

    private static NativeLibrary library;

    private LibTorch() {}

    /**
     * Returns an exported function of DJL's libtorch by its mangled name.
     *
     * @param symbol the mangled C++ name
     * @return the function
     * @throws IllegalStateException if libtorch is not loaded from a native jar, or lacks the
     *     symbol (another PyTorch version)
     */
    static synchronized Function function(String symbol) {
        try {
            return library().getFunction(symbol);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException(
                    "the loaded libtorch does not export " + symbol + " (built for PyTorch 2.7.1)", e);
        }
    }

    private static NativeLibrary library() {
        if (library == null) {
            // Loads DJL's natives if nothing has yet: the symbols must come from that same copy.
            Engine.getEngine("PyTorch");
            library = loadedLibtorch()
                    .map(path -> NativeLibrary.getInstance(path.toString()))
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "libtorch_cpu is not among the libraries of this process: the"
                                            + " PyTorch engine of DJL is not loaded from a"
                                            + " linux-x86_64 native jar"));
        }
        return library;
    }

    /** The path of the libtorch_cpu that this process mapped (Linux: from /proc/self/maps). */
    private static Optional<Path> loadedLibtorch() {
        Path maps = Paths.get("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.filter(l -> l.endsWith("/libtorch_cpu.so"))
                    .map(l -> Paths.get(l.substring(l.indexOf('/'))))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
