package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.report.JsonLines;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

/** The {@code actnn} command line with the engine's levels, its output and errors captured. */
final class Cli {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /**
     * Runs the command line; output and errors accumulate over runs.
     *
     * @param args the arguments
     * @return the exit code
     */
    int run(String... args) {
        CommandLine cl = Main.newCommandLine(new EngineLevelSetup());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** Returns what was printed to standard output. */
    String out() {
        return out.toString();
    }

    /** Returns what was printed to standard error. */
    String err() {
        return err.toString();
    }

    /**
     * Runs a command that prints JSON lines, asserting that it succeeds.
     *
     * @param args the arguments, {@code --json} among them
     * @return the lines of standard output, each read as a JSON object
     */
    List<JsonNode> runJson(String... args) {
        assertEquals(0, run(args), err());
        return jsonLines();
    }

    /** Returns the lines of standard output, each read as a JSON object. */
    List<JsonNode> jsonLines() {
        return Arrays.stream(out().strip().split("\n")).map(JsonLines::readTree).toList();
    }
}
