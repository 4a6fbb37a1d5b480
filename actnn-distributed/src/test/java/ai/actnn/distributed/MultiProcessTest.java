package ai.actnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.OptimizationLevel;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Data-parallel training over several JVMs on this machine (loopback), as {@code bin/actnn launch}
 * runs it: the same parameters as one process on the combined batch, and failures that end every
 * rank with an error instead of a hang. Each case starts 2-4 JVMs (about 10-30 s on 2 cores).
 */
@Tag("multiprocess")
class MultiProcessTest {

    private static final int STEPS = 20;

    @TempDir
    Path dir;

    private static String describe(List<Workers.Result> results) {
        StringBuilder b = new StringBuilder();
        for (Workers.Result r : results) {
            b.append("\n--- rank ").append(r.rank()).append(" exit ").append(r.exitCode()).append(" after ")
                    .append(r.millis()).append(" ms\n").append(tail(r.output(), 3000));
        }
        return b.toString();
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    @Test
    void twoAndFourProcessesEndWithTheParametersOfOneProcessOnTheCombinedBatch() throws Exception {
        List<float[]> plain;
        List<float[]> withBatchNorm;
        try (SmallJob one = new SmallJob(false, OptimizationLevel.L0, STEPS)) {
            for (int s = 0; s < STEPS; s++) {
                one.step(s, 0, 1);
            }
            plain = one.parameters();
        }
        try (SmallJob one = new SmallJob(true, OptimizationLevel.L0, STEPS)) {
            for (int s = 0; s < STEPS; s++) {
                one.step(s, 0, 1);
            }
            withBatchNorm = one.parameters();
        }
        for (int world : new int[] {2, 4}) {
            Path out = dir.resolve("w" + world);
            java.nio.file.Files.createDirectories(out);
            List<Workers.Result> results = new Workers(out).run(world, Workers.ranks(world), 600, "train",
                    out.toString(), Integer.toString(STEPS));
            for (Workers.Result r : results) {
                assertEquals(0, r.exitCode(), describe(results));
            }
            for (int rank = 0; rank < world; rank++) {
                double e = SmallJob.relativeError(SmallJob.read(out.resolve("cnn-rank" + rank + ".bin")), plain);
                double eb = SmallJob.relativeError(SmallJob.read(out.resolve("cnn-bn-rank" + rank + ".bin")), withBatchNorm);
                System.out.printf("world %d rank %d: relative error %.3g (no batch norm), %.3g (sync batch norm)%n",
                        world, rank, e, eb);
                assertTrue(e < 1e-5, "world " + world + " rank " + rank + " without batch norm: " + e);
                assertTrue(eb < 1e-5, "world " + world + " rank " + rank + " with sync batch norm: " + eb);
            }
        }
    }

    @Test
    void aKilledPeerEndsEveryOtherRankWithAnErrorWithinTheTimeout() throws Exception {
        int timeoutSeconds = 30;
        List<Workers.Result> results = new Workers(dir)
                .env("ACTNN_DIST_TIMEOUT", Integer.toString(timeoutSeconds))
                .run(3, Workers.ranks(3), 300, "die", "40", "5");
        long died = stamp(results.get(2).output(), "DIED_AT");
        assertTrue(died > 0, describe(results));
        for (int rank = 0; rank < 2; rank++) {
            Workers.Result r = results.get(rank);
            assertEquals(3, r.exitCode(), describe(results));
            long failed = stamp(r.output(), "FAILED_AT");
            assertTrue(failed - died < timeoutSeconds * 1000L, "rank " + rank + " ended " + (failed - died)
                    + " ms after the peer died" + describe(results));
            System.out.printf("rank %d ended %d ms after rank 2 died: %s%n", rank, failed - died, line(r.output(), "FAILED_AT"));
            assertTrue(r.output().contains("default_pg (rank " + rank + " of 3)"), describe(results));
        }
    }

    @Test
    void aRankThatNeverArrivesEndsTheOthersAfterTheInitTimeout() throws Exception {
        List<Workers.Result> results = new Workers(dir)
                .env("ACTNN_DIST_INIT_TIMEOUT", "10")
                .run(2, new int[] {0}, 120, "train", dir.toString(), "1");
        Workers.Result r = results.get(0);
        assertEquals(3, r.exitCode(), describe(results));
        assertTrue(r.output().contains("only 1 of 2 ranks arrived within 10000 ms"), describe(results));
        assertTrue(r.millis() < 60_000, describe(results));
    }

    @Test
    void ranksThatDisagreeFailAtStartWithTheValues() throws Exception {
        // Rank 1 given to two processes (and rank 2 to none) in a job of three.
        Path twiceDir = dir.resolve("twice");
        java.nio.file.Files.createDirectories(twiceDir);
        List<Workers.Result> twice = new Workers(twiceDir).run(3, new int[] {0, 1, 1}, 180, "train", dir.toString(), "1");
        int claimed = 0;
        for (Workers.Result r : twice) {
            assertEquals(3, r.exitCode(), describe(twice));
            claimed += r.output().contains("RANK=1 was given to 2 processes") ? 1 : 0;
        }
        assertEquals(3, claimed, describe(twice));
        // World sizes that differ.
        Path other = dir.resolve("world");
        java.nio.file.Files.createDirectories(other);
        List<Workers.Result> worlds = new Workers(other).envOf(1, "WORLD_SIZE", "3")
                .run(2, new int[] {0, 1}, 180, "train", dir.toString(), "1");
        for (Workers.Result r : worlds) {
            assertEquals(3, r.exitCode(), describe(worlds));
            assertTrue(r.output().contains("rank 1 was started with WORLD_SIZE=3 but rank 0 with WORLD_SIZE=2"),
                    describe(worlds));
        }
        // A rank out of range never connects.
        List<Workers.Result> range = new Workers(dir).run(2, new int[] {2}, 120, "train", dir.toString(), "1");
        assertEquals(3, range.get(0).exitCode(), describe(range));
        assertTrue(range.get(0).output().contains("RANK=2 does not fit WORLD_SIZE=2"), describe(range));
    }

    @Test
    void residentSetDoesNotGrowOver200DistributedSteps() throws Exception {
        List<Workers.Result> results = new Workers(dir)
                .jvm("-XX:+AlwaysPreTouch")
                .run(2, Workers.ranks(2), 600, "memory", "200");
        for (Workers.Result r : results) {
            assertEquals(0, r.exitCode(), describe(results));
            List<long[]> rss = new ArrayList<>();
            Matcher m = Pattern.compile("RSS (\\d+) (\\d+)").matcher(r.output());
            while (m.find()) {
                rss.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
            assertEquals(20, rss.size(), describe(results));
            long at50 = rss.get(4)[1];
            long at200 = rss.get(19)[1];
            StringBuilder series = new StringBuilder();
            for (long[] x : rss) {
                series.append(String.format(" %.1f", x[1] / 1e6));
            }
            System.out.printf("rank %d: RSS %.1f MB at step 50, %.1f MB at step 200; every 10 steps (MB):%s%n", r.rank(),
                    at50 / 1e6, at200 / 1e6, series);
            // The first steps warm up (compiled code, allocator arenas), and an allocator may take a few MB at
            // once at any step (seen: 6 MB between steps 190 and 200 on CI). A leak goes on growing, so the
            // typical 10-step growth after step 50 is what must stay small: 0.4 MB per 10 steps is 6 MB
            // over 150 steps. The whole growth has a looser bound, so leaks in bursts are caught too.
            long typical = medianIncrement(rss.subList(4, 20));
            assertTrue(typical < 400_000, "rank " + r.rank() + " grew a median " + typical
                    + " bytes per 10 steps after step 50" + describe(results));
            assertTrue(at200 - at50 < 24_000_000, "rank " + r.rank() + " grew " + (at200 - at50)
                    + " bytes from step 50 to step 200" + describe(results));
        }
    }

    /** The median of the growth between consecutive samples. */
    private static long medianIncrement(List<long[]> samples) {
        long[] increments = new long[samples.size() - 1];
        for (int i = 1; i < samples.size(); i++) {
            increments[i - 1] = samples.get(i)[1] - samples.get(i - 1)[1];
        }
        java.util.Arrays.sort(increments);
        return increments[increments.length / 2];
    }

    private static long stamp(String output, String key) {
        String line = line(output, key);
        return line == null ? -1 : Long.parseLong(line.split(" ")[1]);
    }

    private static String line(String output, String key) {
        for (String l : output.split("\n")) {
            if (l.startsWith(key + " ")) {
                return l;
            }
        }
        return null;
    }
}
