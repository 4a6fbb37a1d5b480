package ai.actnn.cuda;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-disk cache of the cubins that NVRTC compiles at first use (the fallback when the prebuilt
 * PTX is missing or rejected), so that later JVMs skip the compilation. Files are named {@code
 * <key>-sm_<major><minor>.cubin}, where the key is a hash of the source, the compiler options and
 * the NVRTC version: any change of those compiles afresh.
 *
 * <p>Location, first match: system property {@code actnn.cuda.cacheDir}, environment variable
 * {@code ACTNN_CUDA_CACHE}, {@code $XDG_CACHE_HOME/actnn/cuda}, {@code ~/.cache/actnn/cuda}. An
 * unwritable cache only costs a recompilation (logged at DEBUG).
 */
final class KernelCache {

    private static final Logger logger = LoggerFactory.getLogger(KernelCache.class);

    /** System property naming the cache directory. */
    static final String DIR_PROPERTY = "actnn.cuda.cacheDir";

    /** Environment variable naming the cache directory. */
    static final String DIR_ENV = "ACTNN_CUDA_CACHE";

    private final Path dir;

    /**
     * Creates a cache in a directory (created on first write).
     *
     * @param dir the directory
     */
    KernelCache(Path dir) {
        this.dir = dir;
    }

    /**
     * Returns the cache directory chosen from the process's properties and environment.
     *
     * @return the directory
     */
    static Path defaultDirectory() {
        return directory(System.getProperties(), System.getenv());
    }

    /**
     * Returns the cache directory for given properties and environment (testable form of {@link
     * #defaultDirectory()}).
     *
     * @param properties system properties
     * @param env environment variables
     * @return the directory
     */
    static Path directory(Properties properties, Map<String, String> env) {
        String p = properties.getProperty(DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Paths.get(p);
        }
        String e = env.get(DIR_ENV);
        if (e != null && !e.isBlank()) {
            return Paths.get(e);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Paths.get(xdg, "actnn", "cuda");
        }
        return Paths.get(properties.getProperty("user.home", "."), ".cache", "actnn", "cuda");
    }

    /**
     * Returns the cache key of a compilation.
     *
     * @param source the CUDA C source
     * @param options the compiler options (without the architecture, which is in the file name)
     * @param compilerVersion the NVRTC version, e.g. {@code "12.9"}
     * @return 16 hex digits
     */
    static String key(String source, List<String> options, String compilerVersion) {
        List<String> parts = new ArrayList<>();
        parts.add("actnn-kernels-v1");
        parts.add(source);
        parts.add(String.join(" ", options));
        parts.add(compilerVersion);
        return KernelSource.sha256(parts).substring(0, 16);
    }

    /**
     * Returns the file of a compiled module.
     *
     * @param key the cache key
     * @param major the compute capability's major version
     * @param minor its minor version
     * @return the path (it may not exist)
     */
    Path cubinPath(String key, int major, int minor) {
        return dir.resolve(key + "-sm_" + major + minor + ".cubin");
    }

    /**
     * Reads a cached cubin.
     *
     * @param key the cache key
     * @param major the compute capability's major version
     * @param minor its minor version
     * @return the bytes, or empty when absent or unreadable
     */
    Optional<byte[]> read(String key, int major, int minor) {
        Path p = cubinPath(key, major, minor);
        try {
            if (Files.isRegularFile(p)) {
                byte[] bytes = Files.readAllBytes(p);
                if (bytes.length > 0) {
                    return Optional.of(bytes);
                }
            }
        } catch (IOException e) {
            logger.debug("cannot read cached kernels {}: {}", p, e.toString());
        }
        return Optional.empty();
    }

    /**
     * Stores a cubin atomically (written to a temporary file, then renamed), so that concurrent
     * JVMs never read a partial file.
     *
     * @param key the cache key
     * @param major the compute capability's major version
     * @param minor its minor version
     * @param cubin the bytes
     * @return whether the file was written
     */
    boolean write(String key, int major, int minor, byte[] cubin) {
        Path target = cubinPath(key, major, minor);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            try {
                Files.write(tmp, cubin);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            logger.debug("cannot cache kernels in {}: {}", target, e.toString());
            return false;
        }
    }
}
