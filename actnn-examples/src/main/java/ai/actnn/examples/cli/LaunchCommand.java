package ai.actnn.examples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code actnn launch}: runs a command as the processes of a data-parallel job on this machine,
 * as PyTorch's {@code torchrun} does: one process per {@code --nproc-per-node}, each with {@code
 * MASTER_ADDR}, {@code MASTER_PORT}, {@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK} and
 * {@code LOCAL_WORLD_SIZE} in its environment. For several machines, run it on each with the same
 * {@code --nnodes}, {@code --master-addr} and {@code --master-port} and its own {@code
 * --node-rank}.
 *
 * <p>A command that is one of actnn's (train, demo, ...) runs in a JVM like this one (same JVM
 * options, so PyTorch's oneDNN stays off as {@code Main} sets it); any other command is started
 * as it is. When a process fails, the others get {@code --kill-grace} seconds to end by
 * themselves (they notice a dead peer at once) before they are stopped; the exit code is the
 * first failure's.
 */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a command as the processes of a data-parallel job (like torchrun).",
            "Example: actnn launch --nproc-per-node 2 -- train --dataset mnist --model lenet --level L3 --epochs 1"},
        footer = {"", "Several machines: on each, actnn launch --nnodes 2 --node-rank <0|1> --nproc-per-node N"
                + " --master-addr <address of node 0> --master-port 29500 -- <command>"})
public final class LaunchCommand implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(LaunchCommand.class);

    /**
     * System property with the JVM options of the processes of an actnn command, instead of this
     * JVM's own (for instance a smaller heap per process).
     */
    public static final String JAVA_OPTIONS_PROPERTY = "actnn.launch.javaOptions";

    /** torchrun's default rendezvous port. */
    static final int DEFAULT_PORT = 29500;

    @Spec CommandSpec spec;

    @Option(names = "--nproc-per-node", required = true, paramLabel = "N",
            description = "Processes on this machine.")
    int nprocPerNode;

    @Option(names = "--nnodes", defaultValue = "1", paramLabel = "M",
            description = "Machines in the job (default: ${DEFAULT-VALUE}).")
    int nnodes;

    @Option(names = "--node-rank", defaultValue = "0", paramLabel = "K",
            description = "This machine's place among them, from 0 (default: ${DEFAULT-VALUE}).")
    int nodeRank;

    @Option(names = "--master-addr", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address of node 0, where rank 0 serves the rendezvous (default: ${DEFAULT-VALUE}).")
    String masterAddr;

    @Option(names = "--master-port", paramLabel = "PORT",
            description = "Rendezvous port (default: a free port on one machine, " + DEFAULT_PORT + " on several).")
    Integer masterPort;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "How long one collective may take: a frozen peer ends the job after this long"
                    + " (default: 300; a dead peer is noticed at once).")
    Integer timeout;

    @Option(names = "--init-timeout", paramLabel = "SECONDS",
            description = "How long processes wait for each other to start (default: 300).")
    Integer initTimeout;

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "Write each process's output to DIR/rank<R>.log instead of this terminal.")
    Path logDir;

    @Option(names = "--kill-grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "After a process failed, how long the others may take to end by themselves before"
                    + " they are stopped (default: ${DEFAULT-VALUE}).")
    int killGrace;

    @Parameters(arity = "1..*", paramLabel = "COMMAND",
            description = "After --: an actnn command (train ...) or any program and its arguments.")
    List<String> command;

    @Override
    public Integer call() throws InterruptedException {
        validate();
        int port = masterPort != null ? masterPort : nnodes == 1 ? freePort() : DEFAULT_PORT;
        int world = nnodes * nprocPerNode;
        List<String> base = baseCommand();
        if (logDir != null) {
            try {
                java.nio.file.Files.createDirectories(logDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the log directory " + logDir, e);
            }
        }
        List<Process> processes = new ArrayList<>();
        Thread stopAll = new Thread(() -> processes.forEach(Process::destroy), "actnn-launch-stop");
        Runtime.getRuntime().addShutdownHook(stopAll);
        try {
            for (int local = 0; local < nprocPerNode; local++) {
                int rank = nodeRank * nprocPerNode + local;
                ProcessBuilder pb = new ProcessBuilder(base);
                if (logDir == null) {
                    pb.inheritIO();
                } else {
                    pb.redirectErrorStream(true);
                    pb.redirectOutput(logDir.resolve("rank" + rank + ".log").toFile());
                }
                Map<String, String> env = pb.environment();
                env.put("MASTER_ADDR", masterAddr);
                env.put("MASTER_PORT", Integer.toString(port));
                env.put("WORLD_SIZE", Integer.toString(world));
                env.put("RANK", Integer.toString(rank));
                env.put("LOCAL_RANK", Integer.toString(local));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(nprocPerNode));
                env.put("GROUP_RANK", Integer.toString(nodeRank));
                // As torchrun: the processes share the machine's cores.
                env.putIfAbsent("OMP_NUM_THREADS",
                        Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / nprocPerNode)));
                if (timeout != null) {
                    env.put("ACTNN_DIST_TIMEOUT", Integer.toString(timeout));
                }
                if (initTimeout != null) {
                    env.put("ACTNN_DIST_INIT_TIMEOUT", Integer.toString(initTimeout));
                }
                try {
                    processes.add(pb.start());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start rank " + rank + ": " + String.join(" ", base), e);
                }
            }
            logger.info("started ranks {}..{} of {} (rendezvous {}:{})", nodeRank * nprocPerNode,
                    nodeRank * nprocPerNode + nprocPerNode - 1, world, masterAddr, port);
            return supervise(processes);
        } finally {
            for (Process p : processes) {
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down: the hook runs anyway
            }
        }
    }

    /**
     * Waits for every process; after the first failure, gives the others the grace period to end
     * by themselves, then stops them. Returns the first failure's exit code, or 0.
     */
    private int supervise(List<Process> processes) throws InterruptedException {
        int firstFailure = 0;
        long deadline = Long.MAX_VALUE;
        List<Process> running = new ArrayList<>(processes);
        while (!running.isEmpty()) {
            CompletableFuture<?>[] exits = running.stream().map(Process::onExit).toArray(CompletableFuture[]::new);
            try {
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, deadline - System.nanoTime());
                CompletableFuture.anyOf(exits).get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                for (Process p : running) {
                    System.err.printf("actnn launch: stopping rank %d (pid %d), still running %d s after a failure%n",
                            processes.indexOf(p) + nodeRank * nprocPerNode, p.pid(), killGrace);
                    p.destroy();
                }
                for (Process p : running) {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot wait for the processes", e);
            }
            for (Process p : new ArrayList<>(running)) {
                if (p.isAlive()) {
                    continue;
                }
                running.remove(p);
                int rank = processes.indexOf(p) + nodeRank * nprocPerNode;
                int code = p.exitValue();
                if (code != 0 && firstFailure == 0) {
                    firstFailure = code;
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(killGrace);
                    if (!running.isEmpty()) {
                        System.err.printf("actnn launch: rank %d exited with %d; the others have %d s to end%n", rank,
                                code, killGrace);
                    }
                } else if (code != 0) {
                    logger.debug("rank {} exited with {}", rank, code);
                }
            }
        }
        if (firstFailure != 0) {
            System.err.printf("actnn launch: the job failed (exit code %d)%n", firstFailure);
        }
        return firstFailure;
    }

    private void validate() {
        if (nprocPerNode < 1) {
            throw new IllegalArgumentException("--nproc-per-node " + nprocPerNode + " is invalid: at least 1 process");
        }
        if (nnodes < 1) {
            throw new IllegalArgumentException("--nnodes " + nnodes + " is invalid: at least 1 machine");
        }
        if (nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("--node-rank " + nodeRank + " does not fit --nnodes " + nnodes
                    + ": from 0 to " + (nnodes - 1));
        }
        if (masterPort != null && (masterPort < 1 || masterPort > 65535)) {
            throw new IllegalArgumentException("--master-port " + masterPort + " is invalid: allowed are 1 to 65535");
        }
        if (killGrace < 0) {
            throw new IllegalArgumentException("--kill-grace " + killGrace + " is invalid: seconds >= 0");
        }
        for (Integer t : new Integer[] {timeout, initTimeout}) {
            if (t != null && t < 1) {
                throw new IllegalArgumentException("timeouts are seconds >= 1, not " + t);
            }
        }
        if (isActnnCommand() && "launch".equals(command.get(0))) {
            throw new IllegalArgumentException("actnn launch cannot launch itself");
        }
    }

    private boolean isActnnCommand() {
        return spec.parent() != null && spec.parent().subcommands().containsKey(command.get(0));
    }

    /** An actnn command runs in a JVM like this one; anything else is started as given. */
    private List<String> baseCommand() {
        if (!isActnnCommand()) {
            return new ArrayList<>(command);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String options = System.getProperty(JAVA_OPTIONS_PROPERTY);
        if (options != null) {
            cmd.addAll(List.of(options.trim().split("\\s+")));
        } else {
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")
                        && !arg.startsWith("-Xdebug")) {
                    cmd.add(arg);
                }
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(command);
        return cmd;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port for the rendezvous", e);
        }
    }
}
