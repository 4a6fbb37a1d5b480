package ai.actnn.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.actnn.testing.GradientHarness;
import ai.actnn.training.StepStatistics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

/** The adaptive level (ActNN's L3) and the error-bounded auto level. */
class AdaptiveBitsTest {

    /** Group statistics of a made-up activation of [n, 256] with the given range per sample. */
    private static GroupStats stats(float... rangeSquares) {
        return new GroupStats() {
            @Override
            public Shape getShape() {
                return new Shape(rangeSquares.length, 256);
            }

            @Override
            public int getGroupSize() {
                return 256;
            }

            @Override
            public float[] sampleRangeSquares() {
                return rangeSquares.clone();
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void firstStepUsesInitialBitsThenSpendsTheBudgetWhereItMatters() {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").optPerLayer(false).build();
        AdaptiveBitPolicy policy = new AdaptiveBitPolicy(config);
        ActivationSite site = new ActivationSite("linear", ActivationSite.Kind.LINEAR, 1);
        policy.beginStep(config, null);
        assertArrayEquals(new int[] {8, 8, 8, 8}, policy.bitsFor(site, stats(1, 1, 1, 1), 4));
        try (NDManager m = NDManager.newBaseManager()) {
            policy.observeGradient(site, m.ones(new Shape(4, 10)));
        }
        policy.endBackward();
        policy.beginStep(config, null);
        int[] bits = policy.bitsFor(site, stats(100, 1, 1, 1), 4);
        assertEquals(8, Arrays.stream(bits).sum(), "2 bits on average: " + Arrays.toString(bits));
        assertTrue(bits[0] > bits[1], "the wide sample gets more bits: " + Arrays.toString(bits));
    }

    @Test
    void batchNormCopiesThePrecedingLayersBitsButNotBelowItsGroupsBits() {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").optPerLayer(false).build();
        AdaptiveBitPolicy policy = new AdaptiveBitPolicy(config);
        ActivationSite conv = new ActivationSite("conv", ActivationSite.Kind.CONV, 9);
        ActivationSite bn = new ActivationSite("bn", ActivationSite.Kind.BATCH_NORM, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            policy.beginStep(config, null);
            policy.bitsFor(conv, stats(1, 1, 1, 1), 4);
            policy.observeGradient(conv, m.ones(new Shape(4, 3)));
            policy.endBackward();
            policy.beginStep(config, null);
            int[] convBits = policy.bitsFor(conv, stats(50, 1, 9, 1), 4);
            int[] bnBits = policy.bitsFor(bn, stats(1, 1, 1, 1), 4);
            assertTrue(Arrays.stream(convBits).anyMatch(b -> b < 2), "a starved sample: " + Arrays.toString(convBits));
            for (int i = 0; i < 4; i++) {
                // The conv's bits, but never below the group's 2: batch norm's backward is
                // quadratic in its saved input, so a 1-bit sample would bias its gradient.
                assertEquals(Math.max(2, convBits[i]), bnBits[i], "sample " + i + ": conv " + Arrays.toString(convBits) + ", bn " + Arrays.toString(bnBits));
            }
        }
    }

    @Test
    void useGradientFollowsEachDatasetSample() {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").optPerLayer(false).optUseGradient(true).build();
        AdaptiveBitPolicy policy = new AdaptiveBitPolicy(config);
        ActivationSite site = new ActivationSite("linear", ActivationSite.Kind.LINEAR, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            policy.beginStep(config, new long[] {10, 11, 12, 13});
            policy.bitsFor(site, stats(1, 1, 1, 1), 4);
            // Dataset sample 10 has a much larger gradient than the others.
            policy.observeGradient(site, m.create(new float[] {100, 1, 1, 1}, new Shape(4, 1)));
            policy.endBackward();
            // The same samples come back in another order: sample 10 is now in position 3.
            policy.beginStep(config, new long[] {13, 12, 11, 10});
            int[] bits = policy.bitsFor(site, stats(1, 1, 1, 1), 4);
            assertTrue(bits[3] > bits[0], "bits follow dataset sample 10: " + Arrays.toString(bits));
        }
    }

    /**
     * A layer run a chunk of samples at a time saves once per chunk and sees its gradients chunk
     * by chunk in reverse: the policy learns the same as from one call over the whole batch, each
     * gradient attributed to its own dataset sample and the layer kept in the per-layer allocation.
     */
    @Test
    void aLayerRunInChunksLearnsAsFromTheWholeBatch() {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").optUseGradient(true).build();
        ActivationSite site = new ActivationSite("chunked", ActivationSite.Kind.LINEAR, 1);
        ActivationSite other = new ActivationSite("whole", ActivationSite.Kind.LINEAR, 1);
        AdaptiveBitPolicy whole = new AdaptiveBitPolicy(config);
        AdaptiveBitPolicy chunked = new AdaptiveBitPolicy(config);
        long[] indices = {10, 11, 12, 13};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] grads = {100, 1, 3, 1};
            whole.beginStep(config, indices);
            whole.bitsFor(site, stats(4, 1, 9, 1), 4);
            whole.bitsFor(other, stats(1, 1, 1, 1), 4);
            whole.observeGradient(other, m.ones(new Shape(4, 1)));
            whole.observeGradient(site, m.create(grads, new Shape(4, 1)));
            whole.endBackward();

            chunked.beginStep(config, indices);
            chunked.bitsFor(site, stats(4, 1), 2);
            chunked.bitsFor(site, stats(9, 1), 2);
            chunked.bitsFor(other, stats(1, 1, 1, 1), 4);
            chunked.observeGradient(other, m.ones(new Shape(4, 1)));
            chunked.observeGradient(site, m.create(new float[] {grads[2], grads[3]}, new Shape(2, 1)));
            chunked.observeGradient(site, m.create(new float[] {grads[0], grads[1]}, new Shape(2, 1)));
            chunked.endBackward();
        }
        assertEquals(whole.budgets(), chunked.budgets());
        assertTrue(chunked.budgets().get(site) > chunked.budgets().get(other), chunked.budgets().toString());
        long[] shuffled = {13, 12, 11, 10};
        whole.beginStep(config, shuffled);
        chunked.beginStep(config, shuffled);
        int[] expected = whole.bitsFor(site, stats(1, 1, 1, 1), 4);
        assertArrayEquals(expected, chunked.bitsFor(site, stats(1, 1, 1, 1), 4));
        assertTrue(expected[3] > expected[0], "bits follow dataset sample 10: " + Arrays.toString(expected));
    }

    @Test
    void perLayerAllocationMovesBitsToSensitiveLayers() {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").build();
        AdaptiveBitPolicy policy = new AdaptiveBitPolicy(config);
        ActivationSite loud = new ActivationSite("loud", ActivationSite.Kind.LINEAR, 1);
        ActivationSite quiet = new ActivationSite("quiet", ActivationSite.Kind.LINEAR, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            policy.beginStep(config, null);
            policy.bitsFor(loud, stats(1, 1, 1, 1), 4);
            policy.bitsFor(quiet, stats(1, 1, 1, 1), 4);
            policy.observeGradient(loud, m.ones(new Shape(4, 10)).mul(100));
            policy.observeGradient(quiet, m.ones(new Shape(4, 10)).mul(0.01));
            policy.endBackward();
        }
        Map<ActivationSite, Double> budgets = policy.budgets();
        assertTrue(budgets.get(loud) > budgets.get(quiet), budgets.toString());
        assertEquals(2.0, (budgets.get(loud) + budgets.get(quiet)) / 2, 1e-9, "the average stays 2 bits");
    }

    @Test
    void adaptiveBitsGiveLowerGradientErrorThanFixedTwoBitsAtTheSameAverage() {
        // Samples of very different ranges: uniform 2 bits waste precision on the narrow ones.
        try (NDManager m = NDManager.newBaseManager()) {
            float[] scale = new float[16];
            for (int i = 0; i < scale.length; i++) {
                scale[i] = i % 4 == 0 ? 20f : 0.2f;
            }
            NDArray x = m.randomNormal(new Shape(16, 512)).mul(m.create(scale, new Shape(16, 1)));
            double[] adaptive = meanError(ActNNConfig.builder().optLevel("L3").build(), x, true);
            double[] fixed = meanError(ActNNConfig.builder().optLevel("L2").optActivationCompressionBits(2).build(), x, false);
            assertEquals(fixed[1], adaptive[1], 1e-9, "same stored bits per element");
            assertTrue(adaptive[0] < 0.8 * fixed[0], "adaptive " + adaptive[0] + " vs fixed " + fixed[0]);
        }
    }

    /** Returns the mean relative error of the weight gradient and the stored bits per element. */
    private static double[] meanError(ActNNConfig config, NDArray input, boolean warmUp) {
        try (GradientHarness h = new GradientHarness(new SequentialBlock().add(Linear.builder().setUnits(8).build()), input.getShape(), config)) {
            NDArray x = input.duplicate();
            x.attach(h.manager());
            Map<String, NDArray> exact = h.exactGradients(x);
            if (warmUp) {
                h.compressedGradients(x); // the first step learns the gradient scale (8 bits)
            }
            double sum = 0;
            for (int r = 0; r < 8; r++) {
                sum += GradientHarness.relativeError(h.compressedGradients(x).get("01Linear_weight"), exact.get("01Linear_weight"));
            }
            StepStatistics last = h.compressedTrainer().getCompression().lastStep();
            return new double[] {sum / 8, last.averageBits()};
        }
    }

    @Test
    void autoGivesMoreBitsAndLowerErrorUnderATighterBound() {
        double[] loose = autoRun(1.0);
        double[] tight = autoRun(1e-3);
        assertTrue(tight[0] > loose[0], "bits: tight " + tight[0] + " loose " + loose[0]);
        assertTrue(tight[1] < loose[1], "error: tight " + tight[1] + " loose " + loose[1]);
    }

    /** Returns the average stored bits and the mean relative gradient error at a bound. */
    private static double[] autoRun(double bound) {
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optErrorBound(bound).optAutoInterval(1).build();
        SequentialBlock net =
                new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optPadding(new Shape(1, 1)).build())
                        .add(BatchNorm.builder().build())
                        .add(Activation.reluBlock())
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(4).build());
        try (GradientHarness h = new GradientHarness(net, new Shape(8, 3, 10, 10), config)) {
            NDArray x = h.manager().randomNormal(new Shape(8, 3, 10, 10));
            Map<String, NDArray> exact = h.exactGradients(x);
            h.compressedGradients(x); // measures and chooses the bits
            double error = 0;
            for (int r = 0; r < 4; r++) {
                error += GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            }
            return new double[] {h.compressedTrainer().getCompression().lastStep().averageBits(), error / 4};
        }
    }
}
