package ai.actnn.distributed;

import ai.actnn.config.OptimizationLevel;
import ai.actnn.internal.TorchBackends;
import ai.actnn.memory.ProcessMemory;

import java.nio.file.Path;

/**
 * One rank of the multi-process tests ({@link Workers} starts it with torchrun's variables).
 *
 * <pre>
 * train DIR STEPS              the small job with and without sync batch norm; writes
 *                              DIR/{cnn,cnn-bn}-rank{r}.bin
 * die STEPS DIE_AT             as train (no batch norm); the last rank halts at step DIE_AT
 * memory STEPS                 trains STEPS steps and prints the resident set at each tenth
 * </pre>
 *
 * Prints {@code FAILED_AT <epoch ms> <message>} and exits with 3 on an exception.
 */
public final class WorkerMain {

    private WorkerMain() {}

    /**
     * Runs one rank.
     *
     * @param args the mode and its arguments
     */
    public static void main(String[] args) {
        // oneDNN's convolution backward divides by zero on this project's CPUs (troubleshooting.md).
        TorchBackends.setMkldnnEnabled(false);
        try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
            switch (args[0]) {
                case "train" -> train(group, Path.of(args[1]), Integer.parseInt(args[2]));
                case "die" -> die(group, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                case "memory" -> memory(group, Integer.parseInt(args[1]));
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
            System.out.println("DONE rank " + group.rank());
        } catch (RuntimeException e) {
            System.out.println("FAILED_AT " + System.currentTimeMillis() + " " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        System.out.flush();
        // DJL's and Gloo's native threads must not hold the JVM.
        Runtime.getRuntime().halt(0);
    }

    private static void train(ProcessGroup group, Path dir, int steps) throws RuntimeException {
        for (boolean batchNorm : new boolean[] {false, true}) {
            try (SmallJob job = new SmallJob(batchNorm, OptimizationLevel.L0, steps)) {
                DistributedTraining.attach(job.trainer, group);
                for (int s = 0; s < steps; s++) {
                    job.step(s, group.rank(), group.worldSize());
                }
                String name = (batchNorm ? "cnn-bn" : "cnn") + "-rank" + group.rank() + ".bin";
                SmallJob.write(job.parameters(), dir.resolve(name));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static void die(ProcessGroup group, int steps, int dieAt) {
        try (SmallJob job = new SmallJob(false, OptimizationLevel.L3, steps)) {
            DistributedTraining.attach(job.trainer, group);
            for (int s = 0; s < steps; s++) {
                if (s == dieAt && group.rank() == group.worldSize() - 1) {
                    System.out.println("DIED_AT " + System.currentTimeMillis());
                    System.out.flush();
                    Runtime.getRuntime().halt(9);
                }
                job.step(s, group.rank(), group.worldSize());
            }
        }
    }

    private static void memory(ProcessGroup group, int steps) {
        try (SmallJob job = new SmallJob(true, OptimizationLevel.L3, 1)) {
            DistributedTraining.attach(job.trainer, group);
            for (int s = 0; s < steps; s++) {
                // the same global batch again and again: the data set is not what is measured
                job.step(0, group.rank(), group.worldSize());
                if ((s + 1) % 10 == 0) {
                    System.out.println("RSS " + (s + 1) + " " + ProcessMemory.rssBytes());
                }
            }
        }
    }
}
