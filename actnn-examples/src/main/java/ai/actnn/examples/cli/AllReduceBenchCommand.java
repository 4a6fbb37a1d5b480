package ai.actnn.examples.cli;

import ai.actnn.distributed.DistributedConfig;
import ai.actnn.distributed.ProcessGroup;
import ai.actnn.examples.bench.ByteSize;
import ai.actnn.examples.report.ConsoleTable;
import ai.actnn.examples.report.JsonLineWriter;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code actnn allreduce-bench}: the bandwidth of the gradient path (c10d Gloo inside DJL's
 * libtorch, in place on a DJL array), to compare with Gloo's own benchmark. Run under {@code actnn
 * launch}; rank 0 prints the figures: mean time of one in-place sum, algorithm bandwidth (bytes /
 * time) and bus bandwidth (algorithm bandwidth x 2(W-1)/W, what a ring moves per process), and
 * checks the sums.
 */
@Command(name = "allreduce-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"All-reduce bandwidth of the processes of a job (run it under actnn launch).",
            "Example: actnn launch --nproc-per-node 2 -- allreduce-bench --sizes 1MiB,16MiB,64MiB"})
public final class AllReduceBenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--sizes", split = ",", defaultValue = "1KiB,16KiB,256KiB,1MiB,4MiB,16MiB,64MiB",
            converter = ByteSizeConverter.class, paramLabel = "BYTES",
            description = "Buffer sizes (default: ${DEFAULT-VALUE}).")
    List<Long> sizes;

    @Option(names = "--iterations", defaultValue = "20", paramLabel = "N",
            description = "Timed all-reduces per size (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
            description = "Untimed all-reduces per size before them (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin JsonOption json;

    /**
     * One size's figures.
     *
     * @param bytes the buffer size
     * @param world the number of processes
     * @param ms mean time of one all-reduce
     * @param algbwMbps bytes / time, in MB/s
     * @param busbwMbps algbw x 2(W-1)/W, in MB/s
     */
    public record Line(long bytes, int world, double ms, double algbwMbps, double busbwMbps) {}

    @Override
    public Integer call() {
        OptionChecks.positive(spec, "--iterations", iterations);
        OptionChecks.nonNegative(spec, "--warmup", warmup);
        if (!DistributedConfig.isRequested()) {
            throw new IllegalArgumentException("allreduce-bench measures the processes of a job: run it under"
                    + " 'actnn launch --nproc-per-node 2 -- allreduce-bench'");
        }
        List<Line> lines = new ArrayList<>();
        try (ProcessGroup group = ProcessGroup.fromEnvironment();
                NDManager manager = NDManager.newBaseManager()) {
            int w = group.worldSize();
            for (long bytes : sizes) {
                long n = Math.max(1, bytes / 4);
                try (NDArray a = manager.ones(new Shape(n), DataType.FLOAT32)) {
                    // rank r holds r + 1: the first sum must be W(W+1)/2 everywhere
                    a.muli(group.rank() + 1);
                    group.allReduceSum(a);
                    float expected = w * (w + 1) / 2f;
                    try (NDArray wrong = a.neq(expected);
                            NDArray count = wrong.countNonzero()) {
                        long bad = count.getLong();
                        if (bad != 0) {
                            throw new IllegalStateException(bad + " of " + n + " elements of the sum are wrong");
                        }
                    }
                    for (int i = 0; i < warmup; i++) {
                        group.allReduceSum(a);
                    }
                    group.barrier();
                    long start = System.nanoTime();
                    for (int i = 0; i < iterations; i++) {
                        group.allReduceSum(a);
                    }
                    double ms = (System.nanoTime() - start) / 1e6 / iterations;
                    double algbw = n * 4 / (ms / 1e3) / 1e6;
                    lines.add(new Line(n * 4, w, ms, algbw, algbw * 2 * (w - 1) / w));
                }
            }
            if (group.isMain()) {
                print(lines);
            }
        }
        return 0;
    }

    private void print(List<Line> lines) {
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            JsonLineWriter writer = new JsonLineWriter(out);
            lines.forEach(writer::write);
            return;
        }
        ConsoleTable table = new ConsoleTable("size", "processes", "ms", "algbw MB/s", "busbw MB/s");
        for (Line l : lines) {
            table.addRow(ByteSize.format(l.bytes()), l.world(), String.format("%.3f", l.ms()),
                    String.format("%.1f", l.algbwMbps()), String.format("%.1f", l.busbwMbps()));
        }
        out.print(table.render());
        out.flush();
    }
}
