package ai.actnn.distributed.internal;

import ai.actnn.internal.DjlCompatibility;
import ai.djl.engine.Engine;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds bytedeco's JNI layer of PyTorch ({@code org.bytedeco:pytorch:2.7.1-1.5.12}) to the
 * libtorch that DJL loaded, so that the process holds exactly one libtorch, and checks that it is
 * the libtorch whose binary layouts ActNN's raw c10d calls were verified against.
 *
 * <p>Two copies of libtorch cannot live in one process: both register their operators in the one
 * global dispatcher (GNU-unique symbols and identical sonames) and the second load aborts the JVM.
 * JavaCPP is therefore told to link its JNI library against DJL's files ({@code
 * org.bytedeco.javacpp.pathsFirst}, {@code .platform.linkpath}, {@code .platform.preloadpath}) and
 * to keep its cache beside DJL's natives, never in the user's global cache.
 */
public final class TorchNatives {

    /** The only libtorch version distributed mode runs on. */
    public static final String LIBTORCH_VERSION = DjlCompatibility.PYTORCH_VERSION;

    /** The bytedeco build whose JNI layer is bound to DJL's libtorch. */
    public static final String BYTEDECO_VERSION = "2.7.1-1.5.12";

    private static final Logger logger = LoggerFactory.getLogger(TorchNatives.class);
    private static final Map<String, Long> SYMBOLS = new ConcurrentHashMap<>();

    private static Path djlDirectory;
    private static NativeLibrary libtorch;
    private static boolean loaded;

    private TorchNatives() {}

    /**
     * Loads and checks everything distributed mode needs (once per process): DJL's engine, the
     * version of its libtorch, bytedeco's JNI bound to it, the catching trampoline and every
     * exported symbol that {@link C10d} calls.
     *
     * @throws UnsupportedOperationException on anything but DJL's CPU libtorch 2.7.1 on Linux
     *     x86-64, naming what was found
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        checkPlatform();
        Engine engine = Engine.getEngine("PyTorch");
        String version = engine.getVersion();
        Path dir = djlDirectory();
        String name = dir.getFileName().toString();
        checkLibtorch(version, name);
        // Read from the jar, not through JavaCPP's Loader: the Loader must not initialise before
        // the properties that bind it to DJL's libtorch are set.
        checkBytedeco(bytedecoVersion());
        Path base = dir.resolveSibling(name + "-javacpp");
        bindJavaCpp(dir, base);
        Trampoline.load(base.resolve("trampoline"));
        libtorch = NativeLibrary.getInstance(dir.resolve("libtorch_cpu.so").toString(),
                // RTLD_LAZY | RTLD_NOLOAD: the copy that is already loaded, never a second one
                Map.of(Library.OPTION_OPEN_FLAGS, 0x1 | 0x4));
        for (String symbol : C10d.SYMBOLS) {
            symbol(symbol);
        }
        loaded = true;
        logger.debug("c10d bound to DJL's libtorch {} in {}", version, dir);
    }

    /**
     * Refuses any libtorch but DJL's CPU build of {@value #LIBTORCH_VERSION}: the raw calls rely on
     * its binary layouts.
     *
     * @param engineVersion the PyTorch version DJL's engine reports
     * @param directory the name of the directory DJL loaded libtorch from, e.g. {@code
     *     2.7.1-20250812-cpu-linux-x86_64}
     * @throws UnsupportedOperationException naming what was found
     */
    static void checkLibtorch(String engineVersion, String directory) {
        if (!LIBTORCH_VERSION.equals(engineVersion) || !directory.startsWith(LIBTORCH_VERSION + "-")
                || !directory.contains("-cpu-")) {
            throw new UnsupportedOperationException("distributed training needs DJL's CPU build of libtorch "
                    + LIBTORCH_VERSION + " (its binary layouts were checked by hand), but DJL loaded PyTorch " + engineVersion
                    + " from " + directory + ": use DJL " + DjlCompatibility.DJL_VERSION
                    + " with ai.djl.pytorch:pytorch-native-cpu:" + LIBTORCH_VERSION);
        }
    }

    /**
     * Refuses any bytedeco build but the one of DJL's libtorch.
     *
     * @param version the version of {@code org.bytedeco:pytorch} on the class path
     * @throws UnsupportedOperationException naming it
     */
    static void checkBytedeco(String version) {
        if (!BYTEDECO_VERSION.equals(version)) {
            throw new UnsupportedOperationException("distributed training needs org.bytedeco:pytorch:" + BYTEDECO_VERSION
                    + " (the build of DJL's libtorch " + LIBTORCH_VERSION + "), not " + version);
        }
    }

    private static String bytedecoVersion() {
        try (java.io.InputStream in = TorchNatives.class.getResourceAsStream(
                "/META-INF/maven/org.bytedeco/pytorch/pom.properties")) {
            if (in == null) {
                return "none (org.bytedeco:pytorch is not on the class path)";
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the version of org.bytedeco:pytorch", e);
        }
    }

    private static void checkPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException("distributed training runs on Linux x86-64 only (the raw c10d"
                    + " calls follow the Itanium C++ ABI of that build), not " + os + " " + arch);
        }
    }

    /**
     * Returns the address of an exported function of DJL's libtorch.
     *
     * @param mangled the mangled C++ name
     * @return the address
     * @throws UnsupportedOperationException if the library does not export it
     */
    static long symbol(String mangled) {
        return SYMBOLS.computeIfAbsent(mangled, k -> {
            try {
                return com.sun.jna.Pointer.nativeValue(libtorch.getFunction(k));
            } catch (UnsatisfiedLinkError e) {
                throw new UnsupportedOperationException("DJL's libtorch does not export " + k
                        + ": it is not the libtorch " + LIBTORCH_VERSION + " distributed training was built for", e);
            }
        });
    }

    /** The directory of the libtorch_cpu.so that DJL loaded (from /proc/self/maps). */
    static synchronized Path djlDirectory() {
        if (djlDirectory == null) {
            try (Stream<String> lines = Files.lines(Paths.get("/proc/self/maps"))) {
                djlDirectory = lines.filter(l -> l.endsWith("/libtorch_cpu.so"))
                        .map(l -> Paths.get(l.substring(l.indexOf('/'))).getParent())
                        .findFirst()
                        .orElseThrow(() -> new UnsupportedOperationException(
                                "DJL's libtorch_cpu.so is not loaded: distributed training needs DJL's PyTorch engine"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/self/maps", e);
            }
        }
        return djlDirectory;
    }

    private static void bindJavaCpp(Path djl, Path base) {
        Path links = base.resolve("links");
        try {
            Files.createDirectories(links);
            for (String lib : List.of("libc10.so", "libtorch_cpu.so", "libtorch.so")) {
                link(links.resolve(lib), djl.resolve(lib));
            }
            // DJL's OpenMP runtime has a hashed file name; JavaCPP looks for libgomp.so.1.
            try (Stream<Path> files = Files.list(djl)) {
                Path gomp = files.filter(p -> p.getFileName().toString().startsWith("libgomp")).findFirst().orElse(null);
                if (gomp != null) {
                    link(links.resolve("libgomp.so.1"), gomp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare JavaCPP's links to DJL's libtorch in " + links, e);
        }
        System.setProperty("org.bytedeco.javacpp.cachedir", base.resolve("cache").toString());
        System.setProperty("org.bytedeco.javacpp.pathsFirst", "true");
        System.setProperty("org.bytedeco.javacpp.platform.linkpath", links.toString());
        System.setProperty("org.bytedeco.javacpp.platform.preloadpath", links.toString());
        Loader.load(torch.class);
        long copies;
        try (Stream<String> lines = Files.lines(Paths.get("/proc/self/maps"))) {
            copies = lines.filter(l -> l.endsWith("/libtorch_cpu.so")).map(l -> l.substring(l.indexOf('/'))).distinct().count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/maps", e);
        }
        if (copies != 1) {
            throw new IllegalStateException(copies + " copies of libtorch_cpu.so are loaded: JavaCPP did not bind to DJL's");
        }
    }

    /** Points a symbolic link at a target, atomically (several processes may do it at once). */
    private static void link(Path link, Path target) throws IOException {
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return;
        }
        Path tmp = link.resolveSibling(link.getFileName() + "." + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
