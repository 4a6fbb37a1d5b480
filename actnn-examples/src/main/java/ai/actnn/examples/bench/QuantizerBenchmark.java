package ai.actnn.examples.bench;

import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.QuantizerBackend;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the CPU quantizer against a plain copy of the same tensor: quantize+pack and
 * unpack+dequantize of a 32x64x32x32 activation (8 MB of fp32) at 1, 2, 4 and 8 bits, stochastic
 * rounding, group size 256.
 *
 * <p>The copy baseline is {@link NDArray#duplicate()} (PyTorch's {@code clone}: allocate a new
 * tensor and copy), closed right after, like the quantizer's results. Every bandwidth is the
 * input tensor's size in bytes (fp32 elements) divided by the median time, so the ratio to the
 * copy compares the times directly. Each operation is warmed up, then timed over several
 * iterations; the median is reported.
 *
 * <pre>
 * java -cp "actnn-examples/target/actnn-examples-0.1.0-SNAPSHOT.jar:actnn-examples/target/lib/*" \
 *     ai.actnn.examples.bench.QuantizerBenchmark [iterations] [warmup]
 * </pre>
 */
public final class QuantizerBenchmark {

    /** The shape measured: a ResNet activation at batch 32. */
    public static final Shape DEFAULT_SHAPE = new Shape(32, 64, 32, 32);

    private static final int GROUP_SIZE = 256;

    private QuantizerBenchmark() {}

    /**
     * One measured operation.
     *
     * @param shape the tensor's shape
     * @param dataType the tensor's data type
     * @param bits the bits (0 for the copy)
     * @param op {@code copy}, {@code quantize_pack} or {@code unpack_dequantize}
     * @param msMedian the median time in milliseconds
     * @param gbPerSecond the input's bytes per second, in 10^9
     * @param copyGbPerSecond the copy's bandwidth measured in the same run
     * @param packedBytes the packed size (0 for the copy)
     */
    public record Result(
            Shape shape,
            DataType dataType,
            int bits,
            String op,
            double msMedian,
            double gbPerSecond,
            double copyGbPerSecond,
            long packedBytes) {

        /**
         * Returns the bandwidth relative to the copy.
         *
         * @return {@code gbPerSecond / copyGbPerSecond}
         */
        public double ratioToCopy() {
            return gbPerSecond / copyGbPerSecond;
        }

        /**
         * Returns the record as one line of JSON.
         *
         * @return the JSON text
         */
        public String toJson() {
            Json json = new Json()
                    .put("bench", "quantizer")
                    .put("shape", shape.getShape())
                    .put("dtype", dataType.toString().toLowerCase(java.util.Locale.ROOT))
                    .put("bits", bits)
                    .put("op", op)
                    .put("ms_median", msMedian)
                    .put("gb_per_s", gbPerSecond)
                    .put("copy_gb_per_s", copyGbPerSecond)
                    .put("ratio_to_copy", ratioToCopy());
            if ("copy".equals(op)) {
                json.put("copy_method", "NDArray.duplicate");
            } else {
                json.put("packed_bytes", packedBytes);
            }
            return json.put("threads", Runtime.getRuntime().availableProcessors()).toString();
        }
    }

    /**
     * Runs the measurement.
     *
     * @param manager the manager of the tensors
     * @param backend the backend to measure
     * @param shape the tensor's shape
     * @param bitsList the bit widths
     * @param warmup untimed iterations per operation
     * @param iterations timed iterations per operation
     * @return the copy first, then quantize and dequantize per bit width
     */
    public static List<Result> run(
            NDManager manager,
            QuantizerBackend backend,
            Shape shape,
            int[] bitsList,
            int warmup,
            int iterations) {
        List<Result> results = new ArrayList<>();
        long bytes = shape.size() * DataType.FLOAT32.getNumOfBytes();
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.randomNormal(shape);
            double copyMs = median(warmup, iterations, i -> x.duplicate().close());
            double copyGb = bytes / copyMs / 1e6;
            results.add(new Result(shape, DataType.FLOAT32, 0, "copy", copyMs, copyGb, copyGb, 0));
            for (int bits : bitsList) {
                long[] key = {0};
                double qMs = median(warmup, iterations, i -> {
                    QuantizeSpec spec = QuantizeSpec.uniform(bits, GROUP_SIZE, key[0]++, true);
                    backend.quantize(x, spec, scope).close();
                });
                try (PackedTensor packed = backend.quantize(
                        x, QuantizeSpec.uniform(bits, GROUP_SIZE, 42, true), scope)) {
                    double dMs = median(warmup, iterations, i -> backend.dequantize(packed, scope).close());
                    results.add(new Result(shape, DataType.FLOAT32, bits, "quantize_pack",
                            qMs, bytes / qMs / 1e6, copyGb, packed.byteSize()));
                    results.add(new Result(shape, DataType.FLOAT32, bits, "unpack_dequantize",
                            dMs, bytes / dMs / 1e6, copyGb, packed.byteSize()));
                }
            }
        }
        return results;
    }

    private static double median(int warmup, int iterations, java.util.function.IntConsumer op) {
        for (int i = 0; i < warmup; i++) {
            op.accept(i);
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            op.accept(i);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return iterations % 2 == 1 ? ms[iterations / 2] : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2;
    }

    /**
     * Prints one JSON line per operation.
     *
     * @param args optional: iterations (default 50), warmup iterations (default 20)
     */
    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Result> results = run(manager, new CpuQuantizerBackend(), DEFAULT_SHAPE,
                    new int[] {1, 2, 4, 8}, warmup, iterations);
            for (Result r : results) {
                System.out.println(r.toJson());
            }
        }
    }
}
