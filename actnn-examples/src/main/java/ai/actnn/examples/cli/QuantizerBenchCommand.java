package ai.actnn.examples.cli;

import ai.actnn.config.ActNNConfig;
import ai.actnn.examples.bench.QuantizerBenchmark;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.JsonLineWriter;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code actnn quantizer-bench}: speed of the CPU quantizer (quantize+pack, unpack+dequantize)
 * against a plain copy of the same tensor, through {@link QuantizerBenchmark#run}.
 */
@Command(name = "quantizer-bench", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "ai.actnn.examples.cli.QuantizerBenchCommand",
        description = {
            "Measure the CPU quantizer against a copy of the same fp32 tensor: quantize+pack and"
                    + " unpack+dequantize per bit width (stochastic rounding, groups of 256), plus"
                    + " quantize+pack with nearest rounding at 2 bits, and ReLU's 1-bit mask: its"
                    + " packing (x > 0) and its application to a gradient.",
            "gb_per_s = the tensor's fp32 bytes / median time; ratio_to_copy compares with"
                    + " NDArray.duplicate measured alternately. The vector kernel needs"
                    + " --add-modules jdk.incubator.vector (bin/actnn adds it)."
        })
public final class QuantizerBenchCommand implements Callable<Integer> {

    private static final Logger logger = LoggerFactory.getLogger(QuantizerBenchCommand.class);

    /** The bit widths the quantizer supports, for messages ("1 to 8"). */
    private static final String ALLOWED_BITS = ActNNConfig.SUPPORTED_BITS[0] + " to "
            + ActNNConfig.SUPPORTED_BITS[ActNNConfig.SUPPORTED_BITS.length - 1];

    /** The largest tensor measured: its bytes must fit one Java buffer (the memcpy reference). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE / DataType.FLOAT32.getNumOfBytes();

    @Spec CommandSpec spec;

    @Option(names = "--shape", split = ",", paramLabel = "D", defaultValue = "32,64,32,32",
            description = "Tensor shape, comma-separated (default: ${DEFAULT-VALUE}: a ResNet activation"
                    + " at batch 32, 8 MB of fp32).")
    List<Long> shape;

    @Option(names = "--bits", split = ",", paramLabel = "B", defaultValue = "1,2,4,8",
            description = "Bit widths, comma-separated, each from 1 to 8 (default: ${DEFAULT-VALUE}).")
    List<Integer> bits;

    @Mixin TimingOptions timing;

    @Option(names = "--threads", paramLabel = "T",
            description = "Quantizer threads (default: -D" + CpuQuantizerBackend.THREADS_PROPERTY
                    + " or the number of processors).")
    Integer threads;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
        Shape tensorShape = validate();
        CpuQuantizerBackend backend = threads == null ? new CpuQuantizerBackend() : new CpuQuantizerBackend(threads);
        int[] bitWidths = bits.stream().distinct().mapToInt(Integer::intValue).toArray();
        int iterations = timing.iterations();
        int warmup = timing.warmup();
        logger.info("quantizer-bench: shape {}, bits {}, {} kernel, {} threads, {} + {} iterations",
                tensorShape, bits, backend.kernel(), backend.threads(), warmup, iterations);
        List<QuantizerBenchmark.Result> results;
        try (NDManager manager = NDManager.newBaseManager()) {
            results = QuantizerBenchmark.run(manager, backend, tensorShape, bitWidths, warmup, iterations);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            JsonLineWriter jsonOut = new JsonLineWriter(out);
            results.forEach(r -> jsonOut.write(r.toJson()));
        } else {
            out.printf(Locale.ROOT, "shape %s (%.1f MB fp32), %s kernel, %d threads%n", tensorShape,
                    tensorShape.size() * 4 / 1e6, backend.kernel(), backend.threads());
            out.print(table(results).render());
        }
        out.flush();
        return 0;
    }

    private Shape validate() {
        if (shape == null || shape.isEmpty()) {
            throw OptionChecks.fail(spec, "Option '--shape' needs at least one dimension, e.g. 32,64,32,32");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 1) {
                throw OptionChecks.fail(spec, "Invalid value for option '--shape': " + shape
                        + " (every dimension must be >= 1)");
            }
            if (elements > MAX_ELEMENTS / d) {
                throw OptionChecks.fail(spec, "Invalid value for option '--shape': " + shape
                        + " has too many elements (at most " + MAX_ELEMENTS + ": 2 GB of fp32)");
            }
            elements *= d;
        }
        if (bits == null || bits.isEmpty()) {
            throw OptionChecks.fail(spec, "Option '--bits' needs at least one value (allowed: " + ALLOWED_BITS + ")");
        }
        for (int b : bits) {
            try {
                ActNNConfig.checkBits("--bits", b);
            } catch (IllegalArgumentException e) {
                throw OptionChecks.fail(spec, "Invalid value for option '--bits': " + b + " (allowed: " + ALLOWED_BITS
                        + ")");
            }
        }
        // checked here, in option order, so that the first bad option is the one reported
        timing.iterations();
        timing.warmup();
        if (threads != null) {
            OptionChecks.positive(spec, "--threads", threads);
        }
        return new Shape(shape.stream().mapToLong(Long::longValue).toArray());
    }

    private static ConsoleTable table(List<QuantizerBenchmark.Result> results) {
        ConsoleTable table = new ConsoleTable("op", "bits", "ms", "GB/s", "copy GB/s", "x copy", "packed MB");
        for (QuantizerBenchmark.Result r : results) {
            table.addRow(r.op(), r.bits() == 0 ? null : r.bits(), fixed(r.msMedian(), 3), fixed(r.gbPerSecond(), 2),
                    fixed(r.copyGbPerSecond(), 2), fixed(r.ratioToCopy(), 2),
                    r.packedBytes() == 0 ? null : fixed(r.packedBytes() / 1e6, 3));
        }
        return table;
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
