package ai.actnn.nn.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.policy.ErrorBoundedBitPolicy;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.actnn.testing.GradientHarness;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;


/**
 * The auto level's bound on the attention core's four saved activations: each is the left factor
 * of a product in the backward (P in {@code dV = P^T dO}, Q in {@code dK = dS^T Q}, K in {@code
 * dQ = dS K}, V in {@code dP = dO V^T}, per head), and the core reports the output gradient of
 * that product row-paired with the activation ({@link AttentionCore#pairedWithQueries} and the
 * others). With the other factor held exact, the error of the product over many stochastic
 * roundings (its mean) must stay within {@code e^2 ||g||^2} at the bits the policy chooses, for
 * bounds from tight to loose.
 */
class AttentionErrorBoundTest {

    private static final int DRAWS = 24;
    private static final long B = 2;
    private static final long N = 2;
    private static final long H = 8;
    private static final long T = 12;
    private static final long F = 10;
    private static final double[] BOUNDS = {1e-4, 1e-3, 1e-2, 0.1, 1};

    private final CpuQuantizerBackend cpu = new CpuQuantizerBackend(1);
    private final AttentionCore.Dims dims = new AttentionCore.Dims(B, N, H, T, F);
    private final AttentionCore.Sites sites = new AttentionCore.Sites();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
        manager.getEngine().setRandomSeed(7);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void probabilitiesKeepTheBound() {
        NDArray dO = manager.randomNormal(new Shape(B, N, T, H));
        NDArray p = manager.randomUniform(0, 1, new Shape(B, N, T, F));
        // dV = P^T dO per head
        holds(sites.probabilities, p, x -> x.transpose(0, 1, 3, 2).matMul(dO), AttentionCore.pairedWithProbabilities(dO, 1f));
    }

    @Test
    void queriesKeepTheBound() {
        NDArray ds = scores(manager);
        NDArray q = manager.randomNormal(new Shape(B, T, N * H)).mul(3);
        // dK = dS^T Q per head
        holds(sites.query, q, x -> ds.transpose(0, 1, 3, 2).matMul(dims.heads(x, T)), AttentionCore.pairedWithQueries(ds, dims));
    }

    @Test
    void keysKeepTheBound() {
        NDArray ds = scores(manager);
        NDArray k = manager.randomNormal(new Shape(B, F, N * H)).add(1);
        // dQ = dS K per head
        holds(sites.key, k, x -> ds.matMul(dims.heads(x, F)), AttentionCore.pairedWithKeys(ds, dims));
    }

    @Test
    void valuesKeepTheBound() {
        // columns of very different energy: the pairing must bound the largest
        NDArray scale = manager.arange(1f, N * H + 1f).reshape(1, 1, N * H);
        NDArray dOmerged = manager.randomNormal(new Shape(B, T, N * H)).mul(scale);
        NDArray dO = dims.heads(dOmerged, T);
        NDArray v = manager.randomNormal(new Shape(B, F, N * H));
        // dP = dO V^T per head
        holds(sites.value, v, x -> dO.matMul(dims.heads(x, F).transpose(0, 1, 3, 2)), AttentionCore.pairedWithValues(dO, dims, 1f));
    }

    @Test
    void everyAttentionSiteIsMeasuredInTheCompressedBackward() {
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optAutoInterval(1).build();
        Shape x = new Shape(2, 16, 32);
        try (GradientHarness h = new GradientHarness(TransformerLayerGradientTest.attention(), new Shape[] {x}, DataType.FLOAT32, config, false)) {
            NDList in = new NDList(h.manager().randomNormal(x));
            Map<String, NDArray> exact = h.exactGradients(in);
            Map<String, NDArray> got = h.compressedGradients(in);
            ErrorBoundedBitPolicy policy = (ErrorBoundedBitPolicy) h.compressedTrainer().getCompression().policy();
            Set<String> measured = new TreeSet<>();
            for (ActivationSite site : policy.currentBits().keySet()) {
                if (site.getName().startsWith("QAttention.") && policy.gradientEstimate(site).isPresent()) {
                    measured.add(site.getName());
                }
            }
            assertEquals(Set.of("QAttention.key", "QAttention.query", "QAttention.softmax", "QAttention.value"), measured);
            // the first step ran at the initial 8 bits
            assertTrue(GradientHarness.globalRelativeError(got, exact) < 0.05, "8-bit step: " + GradientHarness.globalRelativeError(got, exact));
        }
    }

    /** A softmax backward's dS: rows that sum to zero, of mixed scales. */
    private NDArray scores(NDManager m) {
        NDArray raw = m.randomNormal(new Shape(B, N, T, F));
        return raw.sub(raw.mean(new int[] {3}, true)).mul(0.5f);
    }

    private void holds(ActivationSite site, NDArray x, java.util.function.Function<NDArray, NDArray> product, NDArray paired) {
        try (NDArray exact = product.apply(x)) {
            double g = squaredNorm(exact);
            StringBuilder log = new StringBuilder(site.getName() + ": ||g||^2 = " + String.format("%.4g", g));
            for (double bound : BOUNDS) {
                ErrorBoundedBitPolicy policy = measured(site, x, paired, exact, bound);
                int bits = policy.currentBits().get(site);
                double[] error = measuredError(x, bits, exact, product);
                log.append(String.format("; e^2=%g: %d bits, measured/bound %.3f", bound, bits, error[0] / (bound * g)));
                if (bits < 8) {
                    assertTrue(error[0] - 3 * error[1] <= bound * g,
                            site + " at e^2 = " + bound + ", " + bits + " bits: " + error[0] + " +- " + error[1] + " > " + bound * g);
                }
                if (bits > 1) {
                    double model = policy.modelledError(site, bits - 1).orElseThrow();
                    assertTrue(model > bound * policy.gradientEstimate(site).orElseThrow(), site + " could use fewer bits");
                }
            }
            System.out.println(log);
        }
    }

    private ErrorBoundedBitPolicy measured(ActivationSite site, NDArray x, NDArray paired, NDArray fed, double bound) {
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optErrorBound(bound).optAutoInterval(1).build();
        ErrorBoundedBitPolicy policy = new ErrorBoundedBitPolicy(config);
        policy.beginStep(config, null);
        try (GroupStats stats = cpu.analyze(x, 256)) {
            assertEquals(8, policy.bitsFor(site, stats, (int) B)[0], "initial bits");
        }
        BitPolicy.report(policy, site, paired, fed);
        policy.endBackward();
        return policy;
    }

    /** E ||g(x~) - g(x)||^2 over stochastic roundings x~ (independent keys), with its standard error. */
    private double[] measuredError(NDArray x, int bits, NDArray exact, java.util.function.Function<NDArray, NDArray> product) {
        double sum = 0;
        double sumSquares = 0;
        for (int d = 0; d < DRAWS; d++) {
            try (NDManager m = manager.newSubManager();
                    PackedTensor packed = cpu.quantize(x, QuantizeSpec.uniform(bits, 256, 1000L * bits + d, true), m)) {
                NDArray restored = cpu.dequantize(packed, m);
                double one = squaredNorm(product.apply(restored).sub(exact));
                sum += one;
                sumSquares += one * one;
            }
        }
        double mean = sum / DRAWS;
        double variance = Math.max(0, sumSquares / DRAWS - mean * mean) * DRAWS / (DRAWS - 1);
        return new double[] {mean, Math.sqrt(variance / DRAWS)};
    }

    private static double squaredNorm(NDArray a) {
        return a.square().sum().getFloat();
    }
}
