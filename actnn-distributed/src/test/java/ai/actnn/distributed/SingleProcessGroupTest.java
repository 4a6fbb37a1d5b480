package ai.actnn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.OptimizationLevel;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The native path in this JVM, with a job of one process: c10d's store and Gloo group inside
 * DJL's libtorch, collectives on DJL's arrays, and a replicated trainer whose bucketed,
 * overlapped gradient path must leave training exactly as it is without it.
 */
class SingleProcessGroupTest {

    private static ProcessGroup group;

    @BeforeAll
    static void join() {
        group = ProcessGroup.init(DistributedConfig.builder()
                .optMaster("127.0.0.1", Workers.freePort())
                // tiny buckets: many of them, most sent during the backward
                .optBucketBytes(256)
                .build());
    }

    @AfterAll
    static void leave() {
        group.close();
    }

    @Test
    void collectivesOfOneProcessLeaveArraysAsTheyAre() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3, 4});
            group.allReduceSum(a);
            assertArrayEquals(new float[] {1, 2, 3, 4}, a.toFloatArray());
            group.broadcastFromRank0(a);
            assertArrayEquals(new float[] {1, 2, 3, 4}, a.toFloatArray());
            group.barrier();
            NDArray strided = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2)).transpose();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> group.allReduceSum(strided));
            assertTrue(e.getMessage().contains("strided"), e.getMessage());
        }
    }

    @Test
    void aReplicatedTrainerOfOneTrainsExactlyAsAlone() {
        int steps = 6;
        for (boolean batchNorm : new boolean[] {false, true}) {
            List<float[]> alone;
            try (SmallJob job = new SmallJob(batchNorm, OptimizationLevel.L0, steps)) {
                for (int s = 0; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                alone = job.parameters();
            }
            try (SmallJob job = new SmallJob(batchNorm, OptimizationLevel.L0, steps)) {
                DistributedReplicas replicas = DistributedTraining.attach(job.trainer, group);
                for (int s = 0; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                assertEquals(0.0, SmallJob.relativeError(job.parameters(), alone), "batch norm " + batchNorm);
                long[] counts = replicas.bucketCounts();
                assertTrue(counts[1] >= 2 * steps, "buckets " + counts[1]);
                // Every bucket but those the loss's autograd fills was sent during the backward.
                assertTrue(counts[0] > counts[1] / 2, "sent during backward: " + counts[0] + " of " + counts[1]);
            }
        }
    }

    @Test
    void statisticsOfOneProcessAreItsOwn() {
        DistributedReplicas replicas = DistributedReplicas.create(group);
        assertArrayEquals(new double[] {1.5, -2, 3e10}, replicas.allReduceStatistics(new double[] {1.5, -2, 3e10}));
        assertEquals(1, replicas.worldSize());
    }
}
