package ai.actnn.examples.report;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Objects;

/** Writes {@link JsonLine}s, one per line, flushing after each so that readers see them at once. */
public final class JsonLineWriter {

    private final PrintWriter out;

    /**
     * Creates a writer.
     *
     * @param out the target (for the CLI: its standard output writer)
     */
    public JsonLineWriter(PrintWriter out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Creates a writer on a stream.
     *
     * @param out the stream, e.g. {@code System.out}
     */
    public JsonLineWriter(PrintStream out) {
        this(new PrintWriter(Objects.requireNonNull(out, "out"), true));
    }

    /**
     * Writes one object on its own line.
     *
     * @param line the object
     */
    public void write(JsonLine line) {
        out.println(line);
        out.flush();
    }
}
