package ai.actnn.examples.report;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Objects;

/**
 * Writes records as JSON lines ({@link JsonLines}), flushing after each so that readers (a parent
 * JVM, a pipe into a file) see them at once.
 */
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
     * Writes one record on its own line.
     *
     * @param record the record, e.g. a {@code BenchmarkLine}
     * @throws IllegalArgumentException if Jackson cannot serialize it
     */
    public void write(Object record) {
        out.println(JsonLines.write(record));
        out.flush();
    }
}
