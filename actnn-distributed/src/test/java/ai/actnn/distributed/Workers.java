package ai.actnn.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the ranks of a job as JVMs of their own on this machine, as {@code bin/actnn launch}
 * does (torchrun's environment variables, loopback rendezvous on a free port), each running
 * {@link WorkerMain} on the test class path, and collects their exit codes and output.
 */
final class Workers {

    /** What one rank did. */
    record Result(int rank, int exitCode, String output, long millis) {
        boolean timedOut() {
            return exitCode == Integer.MIN_VALUE;
        }
    }

    private final Path directory;
    private final Map<String, String> extraEnv = new HashMap<>();
    private final Map<Integer, Map<String, String>> rankEnv = new HashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();

    Workers(Path directory) {
        this.directory = directory;
    }

    Workers env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    /** Sets a variable for the i-th started process only (index in the ranks array). */
    Workers envOf(int process, String name, String value) {
        rankEnv.computeIfAbsent(process, k -> new HashMap<>()).put(name, value);
        return this;
    }

    Workers jvm(String option) {
        jvmOptions.add(option);
        return this;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs ranks {@code ranks} of a job of {@code worldSize} and waits for them.
     *
     * @param worldSize WORLD_SIZE
     * @param ranks the ranks to start (a missing rank never arrives)
     * @param timeoutSeconds how long to wait for each before killing it
     * @param args the arguments of {@link WorkerMain}
     * @return one result per started rank
     */
    List<Result> run(int worldSize, int[] ranks, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        int port = freePort();
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        long start = System.nanoTime();
        for (int index = 0; index < ranks.length; index++) {
            int rank = ranks[index];
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xms256m");
            cmd.add("-Xmx256m");
            cmd.add("-Dai.djl.offline=true");
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(WorkerMain.class.getName());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("MASTER_ADDR", "127.0.0.1");
            env.put("MASTER_PORT", Integer.toString(port));
            env.put("WORLD_SIZE", Integer.toString(worldSize));
            env.put("RANK", Integer.toString(rank));
            env.put("LOCAL_RANK", Integer.toString(rank));
            env.put("OMP_NUM_THREADS", "1");
            env.put("MALLOC_MMAP_THRESHOLD_", "65536");
            env.putAll(extraEnv);
            env.putAll(rankEnv.getOrDefault(index, Map.of()));
            Path log = directory.resolve("process" + index + "-rank" + rank + ".log");
            pb.redirectErrorStream(true);
            pb.redirectOutput(log.toFile());
            logs.add(log);
            processes.add(pb.start());
        }
        List<Result> results = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            long left = Math.max(0, deadline - System.nanoTime());
            boolean ended = p.waitFor(left, TimeUnit.NANOSECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String out = Files.readString(logs.get(i), StandardCharsets.UTF_8);
            results.add(new Result(ranks[i], ended ? p.exitValue() : Integer.MIN_VALUE, out, millis));
        }
        return results;
    }

    static int[] ranks(int worldSize) {
        int[] r = new int[worldSize];
        for (int i = 0; i < worldSize; i++) {
            r[i] = i;
        }
        return r;
    }
}
