package ai.actnn.examples.cli;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.engine.LevelSetup;
import ai.actnn.internal.TorchBackends;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.PrintWriter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code actnn} command: activation-compressed training for DJL, demonstrated and measured.
 *
 * <p>Exit codes: 0 on success, 1 when the work failed (a missing dataset, an engine that is not
 * wired, a benchmark configuration that failed), 2 for invalid usage (unknown or malformed
 * options).
 */
@Command(
        name = "actnn",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Activation-compressed training (ActNN) for DJL: demos, training and benchmarks.",
        footer = {
            "",
            "Memory figures need Linux and the environment variable MALLOC_MMAP_THRESHOLD_=65536"
                    + " (bin/actnn sets it).",
            "PyTorch's oneDNN kernels are off unless ACTNN_MKLDNN=1 (see docs/troubleshooting.md).",
            "More logging: JAVA_OPTS=-Dorg.slf4j.simpleLogger.defaultLogLevel=debug;"
                    + " stack traces of errors: -Dactnn.stacktrace=true."
        })
public final class Main implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(Main.class);

    @Spec CommandSpec spec;

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        applyTorchBackends();
        System.exit(execute(args));
    }

    /**
     * Turns PyTorch's oneDNN kernels off unless {@code ACTNN_MKLDNN=1}: plain DJL and every level
     * then run the same convolution kernels, and oneDNN's convolution backward cannot kill the
     * process with SIGFPE on the CPUs where it divides by zero (docs/troubleshooting.md).
     */
    private static void applyTorchBackends() {
        boolean mkldnn = "1".equals(System.getenv("ACTNN_MKLDNN"));
        TorchBackends.setMkldnnEnabled(mkldnn);
        logger.debug("PyTorch oneDNN kernels {}", mkldnn ? "on (ACTNN_MKLDNN=1)" : "off");
    }

    /**
     * Runs the command line with the engine's level setup.
     *
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(String... args) {
        return newCommandLine(new EngineLevelSetup()).execute(args);
    }

    /**
     * Builds the command line with its subcommands.
     *
     * @param levelSetup how the training commands create trainers for a level
     * @return the command line, ready to execute
     */
    public static CommandLine newCommandLine(LevelSetup levelSetup) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand("data", new DataCommand());
        cl.addSubcommand("demo", new DemoCommand(levelSetup));
        cl.addSubcommand("train", new TrainCommand(levelSetup));
        cl.addSubcommand("benchmark", new BenchmarkCommand(levelSetup));
        cl.addSubcommand("quantizer-bench", new QuantizerBenchCommand());
        cl.addSubcommand("launch", new LaunchCommand());
        cl.addSubcommand("allreduce-bench", new AllReduceBenchCommand());
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        return cl;
    }

    /** Without a subcommand: print the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int handleExecutionException(
            Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        String name = cl.getCommandSpec().qualifiedName();
        if (e instanceof IllegalArgumentException) {
            err.println(cl.getColorScheme().errorText(name + ": " + e.getMessage()));
            err.println("Run '" + name + " --help' for the options.");
        } else {
            err.println(cl.getColorScheme().errorText(name + ": error: " + message(e)));
        }
        if (Boolean.getBoolean("actnn.stacktrace")) {
            e.printStackTrace(err);
        } else {
            logger.debug("{} failed", name, e);
        }
        err.flush();
        return e instanceof IllegalArgumentException
                ? cl.getCommandSpec().exitCodeOnInvalidInput()
                : cl.getCommandSpec().exitCodeOnExecutionException();
    }

    /**
     * Returns what to tell a person about a failure: its message, or the exception itself when it
     * has none (a {@code NullPointerException} from deep inside DJL, say).
     *
     * @param e the failure
     * @return the text
     */
    static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** Reports the version of the examples jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"actnn " + (v != null ? v : "0.1.0-SNAPSHOT"), "DJL 0.35.1, PyTorch 2.7.1"};
        }
    }
}
