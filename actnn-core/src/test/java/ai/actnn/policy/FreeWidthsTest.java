package ai.actnn.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

/**
 * L3 (ActNN's adaptive bits) with every width from 1 to 8 against ActNN's {1, 2, 4, 8}, at the
 * same average budget, on a controlled linear layer: samples whose activations span two decades
 * of scale. The measured variance of the weight gradient is lower with every width.
 */
class FreeWidthsTest {

    private static final int SAMPLES = 32;
    private static final int FEATURES = 512;
    private static final int UNITS = 8;
    private static final int DRAWS = 40;

    private final CpuQuantizerBackend cpu = new CpuQuantizerBackend(1);

    @Test
    void everyWidthGivesLowerGradientVarianceThanPowersOfTwoAtTheSameBudget() {
        Random r = new Random(11);
        float[] x = new float[SAMPLES * FEATURES];
        for (int n = 0; n < SAMPLES; n++) {
            double scale = Math.pow(10, r.nextDouble() * 2 - 1);
            for (int f = 0; f < FEATURES; f++) {
                x[n * FEATURES + f] = (float) (r.nextGaussian() * scale);
            }
        }
        float[] dy = new float[SAMPLES * UNITS];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) r.nextGaussian();
        }
        StringBuilder log = new StringBuilder("L3 weight-gradient variance, every width vs {1, 2, 4, 8}:");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int budget : new int[] {2, 3, 4}) {
                int[] all = allocation(m, x, dy, budget, BitAllocator.ALL_WIDTHS);
                int[] pow2 = allocation(m, x, dy, budget, BitAllocator.POWER_OF_TWO_WIDTHS);
                assertEquals(budget * SAMPLES, Arrays.stream(all).sum(), "every width: the budget " + Arrays.toString(all));
                assertEquals(budget * SAMPLES, Arrays.stream(pow2).sum(), "powers of two: the budget " + Arrays.toString(pow2));
                assertTrue(Arrays.stream(pow2).allMatch(b -> b == 1 || b == 2 || b == 4 || b == 8), Arrays.toString(pow2));
                double[] vAll = variance(m, x, dy, all);
                double[] vPow2 = variance(m, x, dy, pow2);
                log.append(String.format("%n  %d bits on average: %.4g +- %.2g vs %.4g +- %.2g (%.2fx lower); widths used %s vs %s",
                        budget, vAll[0], vAll[1], vPow2[0], vPow2[1], vPow2[0] / vAll[0], histogram(all), histogram(pow2)));
                // lower beyond the sampling error of both estimates
                assertTrue(vAll[0] + 3 * (vAll[1] + vPow2[1]) < vPow2[0],
                        "every width " + vAll[0] + " vs powers of two " + vPow2[0] + " at " + budget + " bits");
                if (budget > 2) {
                    // between the powers of two the gain is large
                    assertTrue(vAll[0] < 0.8 * vPow2[0], "every width " + vAll[0] + " vs " + vPow2[0] + " at " + budget + " bits");
                }
            }
        }
        System.out.println(log);
    }

    /** The per-sample bits that L3 gives the layer in its second step (the first learns the gradient). */
    private int[] allocation(NDManager m, float[] x, float[] dy, int budget, int[] widths) {
        ActNNConfig config = ActNNConfig.builder().optLevel("L3").optPerLayer(false).optActivationCompressionBits(budget).build();
        AdaptiveBitPolicy policy = new AdaptiveBitPolicy(config, widths);
        ActivationSite site = new ActivationSite("linear", ActivationSite.Kind.LINEAR, 1);
        try (NDManager sub = m.newSubManager()) {
            NDArray xs = sub.create(x, new Shape(SAMPLES, FEATURES));
            NDArray gy = sub.create(dy, new Shape(SAMPLES, UNITS));
            int[] bits = null;
            for (int step = 0; step < 2; step++) {
                policy.beginStep(config, null);
                try (GroupStats stats = cpu.analyze(xs, 256)) {
                    bits = policy.bitsFor(site, stats, SAMPLES);
                }
                BitPolicy.report(policy, site, gy, null);
                policy.endBackward();
            }
            return bits;
        }
    }

    /** E ||dy^T (x' - x)||^2 over stochastic roundings x' at per-sample bits, and its standard error. */
    private double[] variance(NDManager m, float[] x, float[] dy, int[] bits) {
        double sum = 0;
        double sumSquares = 0;
        try (NDManager sub = m.newSubManager()) {
            NDArray xs = sub.create(x, new Shape(SAMPLES, FEATURES));
            for (int d = 0; d < DRAWS; d++) {
                try (PackedTensor p = cpu.quantize(xs, QuantizeSpec.perSample(bits, 256, 77 + d, true), sub);
                        NDArray y = cpu.dequantize(p, sub)) {
                    float[] q = y.toFloatArray();
                    double one = 0;
                    for (int k = 0; k < UNITS; k++) {
                        for (int f = 0; f < FEATURES; f++) {
                            double e = 0;
                            for (int n = 0; n < SAMPLES; n++) {
                                e += dy[n * UNITS + k] * ((double) q[n * FEATURES + f] - x[n * FEATURES + f]);
                            }
                            one += e * e;
                        }
                    }
                    sum += one;
                    sumSquares += one * one;
                }
            }
        }
        double mean = sum / DRAWS;
        double var = Math.max(0, sumSquares / DRAWS - mean * mean) * DRAWS / (DRAWS - 1);
        return new double[] {mean, Math.sqrt(var / DRAWS)};
    }

    private static String histogram(int[] bits) {
        int[] count = new int[9];
        for (int b : bits) {
            count[b]++;
        }
        StringBuilder s = new StringBuilder("{");
        for (int b = 1; b <= 8; b++) {
            if (count[b] > 0) {
                s.append(s.length() > 1 ? ", " : "").append(b).append(":").append(count[b]);
            }
        }
        return s.append("}").toString();
    }
}
