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
    void twoSplitsOnWorkerThreadsAndAnOrdinaryBlockUpstreamStayExact() {
        int steps = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            // Two splits of each step on worker threads share the CPU's parameters: a bucket is
            // sent once both have reported; with sync batch norm they equal the unsplit step.
            List<float[]> alone;
            try (SmallJob job = new SmallJob(true, OptimizationLevel.L0, steps)) {
                for (int s = 0; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                alone = job.parameters();
            }
            try (SmallJob job = new SmallJob(true, OptimizationLevel.L0, steps, pool, null)) {
                DistributedReplicas replicas = DistributedTraining.attach(job.trainer, group);
                for (int s = 0; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                // DJL adds the two splits' gradients (mean losses of half batches): twice the
                // unsplit gradient, so the parameters differ; the check is that they equal the
                // same split training without replicas.
                List<float[]> split;
                try (SmallJob same = new SmallJob(true, OptimizationLevel.L0, steps, pool, null)) {
                    for (int s = 0; s < steps; s++) {
                        same.step(s, 0, 1);
                    }
                    split = same.parameters();
                }
                assertTrue(SmallJob.relativeError(job.parameters(), split) < 1e-6);
                assertTrue(SmallJob.relativeError(job.parameters(), alone) > 1e-4);
                assertTrue(replicas.bucketCounts()[0] > 0, "sent during backward: " + replicas.bucketCounts()[0]);
            }
            // An ordinary DJL block before the converted ones: its gradient comes from autograd,
            // after the tape's backward handed it the input gradient. Overlap turns itself off;
            // the result stays exact.
            List<float[]> plainAlone;
            try (SmallJob job = new SmallJob(false, OptimizationLevel.L0, steps, null, plainConv())) {
                for (int s = 0; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                plainAlone = job.parameters();
            }
            try (SmallJob job = new SmallJob(false, OptimizationLevel.L0, steps, null, plainConv())) {
                DistributedReplicas replicas = DistributedTraining.attach(job.trainer, group);
                job.step(0, 0, 1);
                long earlyAfterFirst = replicas.bucketCounts()[0];
                for (int s = 1; s < steps; s++) {
                    job.step(s, 0, 1);
                }
                assertEquals(0.0, SmallJob.relativeError(job.parameters(), plainAlone));
                assertEquals(earlyAfterFirst, replicas.bucketCounts()[0], "no bucket sent early once detected");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ai.djl.nn.Block plainConv() {
        return ai.djl.nn.convolutional.Conv2d.builder().setKernelShape(new ai.djl.ndarray.types.Shape(1, 1))
                .setFilters(3).build();
    }

    @Test
    void statisticsOfOneProcessAreItsOwn() {
        DistributedReplicas replicas = DistributedReplicas.create(group);
        assertArrayEquals(new double[] {1.5, -2, 3e10}, replicas.allReduceStatistics(new double[] {1.5, -2, 3e10}));
        assertEquals(1, replicas.worldSize());
    }
}
