package ai.actnn.examples.bench;

import ai.actnn.examples.report.JsonLineWriter;
import ai.actnn.examples.train.Medians;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures the CPU quantizer against a plain copy of the same tensor: quantize+pack and
 * unpack+dequantize of a 32x64x32x32 activation (8 MB of fp32) at 1, 2, 4 and 8 bits, stochastic
 * rounding (a new key each time, as in training), group size 256; plus quantize+pack with nearest
 * rounding at 2 bits, which shows the share of the random numbers; and ReLU's 1-bit mask of the
 * same tensor, packed ({@code x > 0}, the forward's extra work at every level) and applied to a
 * gradient (the backward's).
 *
 * <p>The copy baseline is {@link NDArray#duplicate()} (PyTorch's {@code clone}: allocate a new
 * tensor and copy), closed right after, like the quantizer's results. A second line reports a
 * one-thread memcpy of the tensor's memory into a preallocated direct buffer, for reference. Every bandwidth is the
 * input tensor's size in bytes (fp32 elements) divided by the median time, so the ratio to the
 * copy compares the times directly. Each operation is warmed up, then timed over several
 * iterations; the median is reported. Operations alternate with copies during the timed
 * iterations, so that a machine shared with other work slows both alike.
 *
 * <p>From the command line: {@code bin/actnn quantizer-bench [--shape 32,64,32,32] [--bits 1,2,4,8]
 * [--iterations 50] [--warmup 20] [--threads T] [--json]}, or directly:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector \
 *     -cp "actnn-examples/target/actnn-examples-0.1.0-SNAPSHOT.jar:actnn-examples/target/lib/*" \
 *     ai.actnn.examples.bench.QuantizerBenchmark [iterations] [warmup]
 * </pre>
 *
 * <p>Without {@code --add-modules jdk.incubator.vector} the backend runs its scalar kernel (the
 * JSON says which).
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
     * @param op {@code copy}, {@code memcpy}, {@code quantize_pack}, {@code
     *     quantize_pack_nearest} or {@code unpack_dequantize}
     * @param msMedian the median time in milliseconds
     * @param msMin the shortest time in milliseconds (all threads at work from the start)
     * @param gbPerSecond the input's bytes per second, in 10^9
     * @param copyGbPerSecond the copy's bandwidth, measured alternately with this operation
     * @param packedBytes the packed size (0 for the copy)
     * @param kernel the backend's kernel ("vector" or "scalar")
     * @param threads the backend's threads
     */
    public record Result(
            Shape shape,
            DataType dataType,
            int bits,
            String op,
            double msMedian,
            double msMin,
            double gbPerSecond,
            double copyGbPerSecond,
            long packedBytes,
            String kernel,
            int threads) {

        /**
         * Returns the bandwidth relative to the copy.
         *
         * @return {@code gbPerSecond / copyGbPerSecond}
         */
        public double ratioToCopy() {
            return gbPerSecond / copyGbPerSecond;
        }

        /**
         * Returns the measurement in its JSON form.
         *
         * @return the line
         */
        public QuantizerLine toJson() {
            return QuantizerLine.of(this);
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
     * @return the copy and the one-thread memcpy first, then per bit width quantize (and at 2
     *     bits quantize with nearest rounding) and dequantize, then the 1-bit mask's packing ({@code
     *     x > 0}, ReLU's forward) and its application to a gradient (ReLU's backward)
     */
    public static List<Result> run(
            NDManager manager,
            CpuQuantizerBackend backend,
            Shape shape,
            int[] bitsList,
            int warmup,
            int iterations) {
        List<Result> results = new ArrayList<>();
        long bytes = shape.size() * DataType.FLOAT32.getNumOfBytes();
        String kernel = backend.kernel();
        int threads = backend.threads();
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.randomNormal(shape);
            List<Double> allCopies = new ArrayList<>();
            long[] key = {0};
            for (int bits : bitsList) {
                List<String> ops = new ArrayList<>(List.of("quantize_pack"));
                if (bits == 2) {
                    ops.add("quantize_pack_nearest");
                }
                for (String op : ops) {
                    boolean stochastic = !op.endsWith("nearest");
                    Timing t = time(x, warmup, iterations, () -> backend.quantize(
                            x, QuantizeSpec.uniform(bits, GROUP_SIZE, key[0]++, stochastic), scope).close());
                    allCopies.addAll(t.copies);
                    results.add(result(shape, bits, op, t, bytes, packedBytes(backend, x, bits, scope), kernel, threads));
                }
                try (PackedTensor packed = backend.quantize(x, QuantizeSpec.uniform(bits, GROUP_SIZE, 42, true), scope)) {
                    Timing t = time(x, warmup, iterations, () -> backend.dequantize(packed, scope).close());
                    allCopies.addAll(t.copies);
                    results.add(result(shape, bits, "unpack_dequantize", t, bytes, packed.byteSize(), kernel, threads));
                }
            }
            // the 1-bit masks of ReLU (and dropout): packed in the forward, applied to the gradient in the backward
            try (PackedMask mask = backend.packPositive(x, scope)) {
                Timing pack = time(x, warmup, iterations, () -> backend.packPositive(x, scope).close());
                allCopies.addAll(pack.copies);
                results.add(result(shape, 1, "mask_pack", pack, bytes, mask.byteSize(), kernel, threads));
                Timing apply = time(x, warmup, iterations, () -> backend.applyMask(x, mask, 1f, scope).close());
                allCopies.addAll(apply.copies);
                results.add(result(shape, 1, "mask_apply", apply, bytes, mask.byteSize(), kernel, threads));
            }
            double copyMs = Medians.of(allCopies);
            double copyGb = bytes / copyMs / 1e6;
            results.add(0, new Result(shape, DataType.FLOAT32, 0, "copy", copyMs, min(allCopies), copyGb, copyGb,
                    0, kernel, threads));
            List<Double> memcpy = memcpyMs(x, warmup, iterations);
            double memcpyMs = Medians.of(memcpy);
            results.add(1, new Result(shape, DataType.FLOAT32, 0, "memcpy", memcpyMs, min(memcpy),
                    bytes / memcpyMs / 1e6, copyGb, 0, kernel, threads));
        }
        return results;
    }

    /**
     * Times a single-threaded copy of the tensor's memory into a preallocated direct buffer: the
     * bandwidth of one core, free of allocation and of PyTorch's threads.
     */
    private static List<Double> memcpyMs(NDArray x, int warmup, int iterations) {
        ByteBuffer source = x.toByteBuffer(true);
        ByteBuffer target = ByteBuffer.allocateDirect(source.capacity());
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < warmup + iterations; i++) {
            long start = System.nanoTime();
            target.clear();
            target.put(source.duplicate());
            if (i >= warmup) {
                times.add((System.nanoTime() - start) / 1e6);
            }
        }
        return times;
    }

    private static long packedBytes(CpuQuantizerBackend backend, NDArray x, int bits, NDManager scope) {
        try (PackedTensor p = backend.quantize(x, QuantizeSpec.uniform(bits, GROUP_SIZE, 0, true), scope)) {
            return p.byteSize();
        }
    }

    private static Result result(
            Shape shape, int bits, String op, Timing t, long bytes, long packed, String kernel, int threads) {
        double opMs = Medians.of(t.ops);
        double copyMs = Medians.of(t.copies);
        return new Result(shape, DataType.FLOAT32, bits, op, opMs, min(t.ops), bytes / opMs / 1e6,
                bytes / copyMs / 1e6, packed, kernel, threads);
    }

    /** The times of an operation and of the copies alternating with it, in milliseconds. */
    private record Timing(List<Double> ops, List<Double> copies) {}

    private static Timing time(NDArray x, int warmup, int iterations, Runnable op) {
        for (int i = 0; i < warmup; i++) {
            op.run();
            x.duplicate().close();
        }
        List<Double> ops = new ArrayList<>();
        List<Double> copies = new ArrayList<>();
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            op.run();
            long middle = System.nanoTime();
            x.duplicate().close();
            long end = System.nanoTime();
            ops.add((middle - start) / 1e6);
            copies.add((end - middle) / 1e6);
        }
        return new Timing(ops, copies);
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
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
            JsonLineWriter out = new JsonLineWriter(System.out);
            for (Result r : results) {
                out.write(r.toJson());
            }
        }
    }
}
