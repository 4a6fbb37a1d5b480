package ai.actnn.examples.bench;

import ai.actnn.memory.ProcessMemory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one benchmark configuration in a child JVM: same Java, same class path, same JVM options
 * (debug agents excluded), the environment with {@code MALLOC_MMAP_THRESHOLD_=65536}, the
 * {@code benchmark} subcommand with {@code --json --no-fresh-jvm}. The child's standard error
 * (logs, progress) passes through; its JSON line is read from its standard output.
 *
 * <p>A fresh process starts from an empty heap and an empty allocator, so nothing that an earlier
 * configuration left behind (glibc arena fragmentation, libtorch caches, a grown Java heap) enters
 * its memory figures.
 */
public final class ChildJvm {

    private static final Logger logger = LoggerFactory.getLogger(ChildJvm.class);

    private static final String QUIET_LOGGER = "ai.actnn.examples.cli.BenchmarkCommand";

    /**
     * {@code bin/actnn}'s switch: {@code 0} runs with glibc's default allocator settings, which is
     * what a user's training gets and what speed figures need; anything else (the default) with
     * the small mmap threshold that exact memory figures need. Children follow it, so that
     * {@code ACTNN_MALLOC_TUNING=0 bin/actnn benchmark} times every configuration as users run it.
     */
    public static final String MALLOC_TUNING_SWITCH = "ACTNN_MALLOC_TUNING";

    private final String mainClass;

    private final boolean mallocTuning;

    /**
     * Creates a launcher.
     *
     * @param mainClass the CLI's main class, whose {@code benchmark} subcommand runs the config
     */
    public ChildJvm(String mainClass) {
        this(mainClass, mallocTuning());
    }

    /**
     * Creates a launcher whose children run with or without the small mmap threshold.
     *
     * @param mainClass the CLI's main class, whose {@code benchmark} subcommand runs the config
     * @param mallocTuning true for exact memory figures, false for speed as users get it
     */
    public ChildJvm(String mainClass, boolean mallocTuning) {
        this.mainClass = mainClass;
        this.mallocTuning = mallocTuning;
    }

    /**
     * Runs a configuration in a child JVM.
     *
     * @param config the configuration
     * @return its result (marked as run in a fresh JVM); a failed result if the child failed
     */
    public BenchmarkResult run(BenchmarkConfig config) {
        List<String> command = command(config);
        logger.debug("child JVM: {}", command);
        ProcessBuilder pb = new ProcessBuilder(command);
        if (mallocTuning) {
            pb.environment().put(ProcessMemory.MALLOC_ENV, Long.toString(ProcessMemory.RECOMMENDED_MMAP_THRESHOLD));
        } else {
            pb.environment().remove(ProcessMemory.MALLOC_ENV);
        }
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        String json = null;
        try {
            Process process = pb.start();
            process.getOutputStream().close();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("{")) {
                        json = line;
                    }
                }
            }
            int exit = process.waitFor();
            if (json != null) {
                return BenchmarkLine.parse(json).toResult().inFreshJvm();
            }
            return BenchmarkResult.failed(config, "child JVM exited with " + exit + " and no result", true);
        } catch (IOException e) {
            return BenchmarkResult.failed(config, "cannot start a child JVM: " + e.getMessage(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return BenchmarkResult.failed(config, "interrupted", true);
        } catch (IllegalArgumentException e) {
            return BenchmarkResult.failed(config, "unreadable child result: " + e.getMessage(), true);
        }
    }

    /**
     * Returns whether children run with the small mmap threshold by default
     * ({@link #MALLOC_TUNING_SWITCH}).
     *
     * @return false only when the switch is {@code 0}
     */
    public static boolean mallocTuning() {
        return !"0".equals(System.getenv(MALLOC_TUNING_SWITCH));
    }

    /**
     * Returns the command line of the child.
     *
     * @param config the configuration
     * @return java, JVM options, class path, main class and arguments
     */
    List<String> command(BenchmarkConfig config) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")
                    && !arg.startsWith("-Xdebug")) {
                cmd.add(arg);
            }
        }
        // the parent already logged which configuration runs
        cmd.add("-Dorg.slf4j.simpleLogger.log." + QUIET_LOGGER + "=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.add("benchmark");
        cmd.addAll(config.toArguments());
        cmd.add("--json");
        cmd.add("--no-fresh-jvm");
        return cmd;
    }
}
