package ai.actnn.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds nvcc / g++ and runs them (and the programs they build) for the GPU-free tests. */
final class NativeTools {

    /** The module directory (surefire's working directory). */
    static final Path MODULE = Paths.get("").toAbsolutePath();

    /** The kernels' source directory. */
    static final Path KERNEL_DIR = MODULE.resolve("src/main/resources/ai/actnn/cuda");

    /** The test C++/CUDA sources. */
    static final Path TEST_CUDA_DIR = MODULE.resolve("src/test/cuda");

    /** Scratch space for built binaries. */
    static final Path OUT = MODULE.resolve("target/native-tests");

    private NativeTools() {}

    /** A finished process. */
    static final class Result {
        final int exitCode;
        final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        String tail() {
            return output.length() <= 4000 ? output : "..." + output.substring(output.length() - 4000);
        }
    }

    /**
     * Returns nvcc: {@code -Dactnn.nvcc}, {@code NVCC}, PATH, {@code CUDA_HOME/bin},
     * /usr/local/cuda/bin.
     *
     * @return the executable, if any
     */
    static Optional<Path> nvcc() {
        List<String> candidates = new ArrayList<>();
        candidates.add(System.getProperty("actnn.nvcc", ""));
        candidates.add(System.getenv().getOrDefault("NVCC", ""));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Paths.get(dir, "nvcc").toString());
            }
        }
        String cudaHome = System.getenv("CUDA_HOME");
        if (cudaHome != null) {
            candidates.add(Paths.get(cudaHome, "bin", "nvcc").toString());
        }
        candidates.add("/usr/local/cuda/bin/nvcc");
        return firstExecutable(candidates);
    }

    /**
     * Returns ptxas next to nvcc.
     *
     * @param nvcc nvcc
     * @return ptxas, if present
     */
    static Optional<Path> ptxas(Path nvcc) {
        Path p = toRealPathOrSelf(nvcc).resolveSibling("ptxas");
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Returns a C++20 compiler (g++ on PATH or CXX).
     *
     * @return the executable, if any
     */
    static Optional<Path> cxx() {
        List<String> candidates = new ArrayList<>();
        candidates.add(System.getenv().getOrDefault("CXX", ""));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Paths.get(dir, "g++").toString());
            }
        }
        return firstExecutable(candidates);
    }

    private static Optional<Path> firstExecutable(List<String> candidates) {
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                Path p = Paths.get(c);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs a command, merging stdout and stderr.
     *
     * @param timeoutSeconds limit
     * @param command the command
     * @return the result
     * @throws IOException if it cannot start
     * @throws InterruptedException if interrupted
     */
    static Result run(long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        Path log = Files.createTempFile(OUT, "run", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + command + "\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Path toRealPathOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
