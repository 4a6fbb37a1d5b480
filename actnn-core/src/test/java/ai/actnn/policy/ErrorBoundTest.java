package ai.actnn.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.cpu.CpuQuantizerBackend;
import ai.actnn.testing.GradientHarness;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

/**
 * The auto level's guarantee on controlled problems whose exact gradients are computed here in
 * double precision: a linear layer, convolutions and a batch normalisation. For each, the weight
 * gradient is recomputed from many stochastically rounded copies of the activation, and the mean
 * squared error is compared with the bound the policy was configured with.
 *
 * <p>"Midpoint" activations put every element but each group's two extremes half-way between
 * them, where stochastic rounding has its largest variance at every width ({@code f (1 - f) = 1/4}
 * since {@code (2^b - 1) / 2} has fractional part one half): there the model is tight, so that one
 * bit fewer than the policy's choice measurably breaks the bound.
 */
class ErrorBoundTest {

    private static final int DRAWS = 24;

    private final CpuQuantizerBackend cpu = new CpuQuantizerBackend(1);
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    // ------------------------------------------------------------------------------ problems

    /** A layer whose parameter gradient is computed exactly from an activation. */
    private interface Problem {
        /** The kind and kernel area of the site. */
        ActivationSite site();

        /** The activation's shape. */
        Shape shape();

        /** dL/dy. */
        NDArray gradOutput(NDManager m);

        /** The exact parameter gradient at activation x (flattened). */
        double[] gradient(float[] x);

        /** What the layer reports as the gradient the activation feeds, at the exact activation. */
        NDArray fed(NDManager m, float[] x);
    }

    /** y = x W^T with W of [units, in]: dW = dy^T x. */
    private static final class LinearProblem implements Problem {
        final int n;
        final int in;
        final int units;
        final float[] dy;

        LinearProblem(int n, int in, int units, Random r) {
            this.n = n;
            this.in = in;
            this.units = units;
            this.dy = gaussian(n * units, r);
        }

        @Override
        public ActivationSite site() {
            return new ActivationSite("linear", ActivationSite.Kind.LINEAR, 1);
        }

        @Override
        public Shape shape() {
            return new Shape(n, in);
        }

        @Override
        public NDArray gradOutput(NDManager m) {
            return m.create(dy, new Shape(n, units));
        }

        @Override
        public double[] gradient(float[] x) {
            double[] g = new double[units * in];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < units; k++) {
                    double d = dy[i * units + k];
                    for (int f = 0; f < in; f++) {
                        g[k * in + f] += d * x[i * in + f];
                    }
                }
            }
            return g;
        }

        @Override
        public NDArray fed(NDManager m, float[] x) {
            return m.create(toFloats(gradient(x)), new Shape(units, in));
        }
    }

    /** A 2-D convolution without bias: dW[k, c, r, s] = sum dy[n, k, p, q] x[n, c, p*st+r-pad, q*st+s-pad]. */
    private static final class ConvProblem implements Problem {
        final int n;
        final int c;
        final int h;
        final int w;
        final int k;
        final int kernel;
        final int stride;
        final int pad;
        final int oh;
        final int ow;
        final float[] dy;

        ConvProblem(int n, int c, int h, int w, int k, int kernel, int stride, int pad, Random r) {
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
            this.k = k;
            this.kernel = kernel;
            this.stride = stride;
            this.pad = pad;
            this.oh = (h + 2 * pad - kernel) / stride + 1;
            this.ow = (w + 2 * pad - kernel) / stride + 1;
            this.dy = gaussian(n * k * oh * ow, r);
        }

        @Override
        public ActivationSite site() {
            return new ActivationSite("conv", ActivationSite.Kind.CONV, kernel * kernel);
        }

        @Override
        public Shape shape() {
            return new Shape(n, c, h, w);
        }

        @Override
        public NDArray gradOutput(NDManager m) {
            return m.create(dy, new Shape(n, k, oh, ow));
        }

        @Override
        public double[] gradient(float[] x) {
            double[] g = new double[k * c * kernel * kernel];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < k; o++) {
                    for (int p = 0; p < oh; p++) {
                        for (int q = 0; q < ow; q++) {
                            double d = dy[((i * k + o) * oh + p) * ow + q];
                            for (int ch = 0; ch < c; ch++) {
                                for (int r = 0; r < kernel; r++) {
                                    int y = p * stride + r - pad;
                                    if (y < 0 || y >= h) {
                                        continue;
                                    }
                                    for (int s = 0; s < kernel; s++) {
                                        int xx = q * stride + s - pad;
                                        if (xx < 0 || xx >= w) {
                                            continue;
                                        }
                                        g[((o * c + ch) * kernel + r) * kernel + s] += d * x[((i * c + ch) * h + y) * w + xx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return g;
        }

        @Override
        public NDArray fed(NDManager m, float[] x) {
            return m.create(toFloats(gradient(x)), new Shape(k, c, kernel, kernel));
        }
    }

    /**
     * Batch normalisation in training mode as QBatchNorm computes it when it compresses: the saved
     * activation is the standardised input {@code x^}, which backward re-centres per channel, so
     * the parameters' gradient is (dgamma, dbeta) with dgamma_c = sum dy (x^ - mean_c(x^)) and
     * dbeta_c = sum dy. The activation here need not be standardised: the gradient is that function
     * of whatever was saved.
     */
    private static final class BatchNormProblem implements Problem {
        final int n;
        final int c;
        final int plane;
        final float[] dy;
        final boolean reportsGamma;

        BatchNormProblem(int n, int c, int plane, boolean reportsGamma, Random r) {
            this.n = n;
            this.c = c;
            this.plane = plane;
            this.reportsGamma = reportsGamma;
            this.dy = gaussian(n * c * plane, r);
        }

        @Override
        public ActivationSite site() {
            return ActivationSite.batchNorm("batchnorm", 1, false);
        }

        @Override
        public Shape shape() {
            return new Shape(n, c, plane);
        }

        @Override
        public NDArray gradOutput(NDManager m) {
            return m.create(dy, shape());
        }

        @Override
        public double[] gradient(float[] x) {
            double[] centre = new double[c];
            for (int i = 0; i < n; i++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int j = 0; j < plane; j++) {
                        centre[ch] += x[(i * c + ch) * plane + j];
                    }
                }
            }
            double[] g = new double[2 * c];
            for (int i = 0; i < n; i++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * c + ch) * plane + j;
                        g[ch] += dy[at] * (x[at] - centre[ch] / (n * plane));
                        g[c + ch] += dy[at];
                    }
                }
            }
            return g;
        }

        @Override
        public NDArray fed(NDManager m, float[] x) {
            if (reportsGamma) {
                double[] g = gradient(x);
                return m.create(toFloats(java.util.Arrays.copyOf(g, c)), new Shape(c));
            }
            // the input gradient: only its shape matters to the model
            return m.zeros(shape());
        }
    }

    /**
     * A 2-D convolution or transposed convolution without bias, of any stride, padding, dilation and
     * groups, whose site carries its {@link ConvolutionWindow}: the bound sums each element's own
     * variance over every window that reads it. A convolution computes {@code y[n, k, p] += W[k, c,
     * r] x[n, c, p * stride + r * dilation - pad]}, a transposed one {@code y[n, k, i * stride + r *
     * dilation - pad] += W[c, k, r] x[n, c, i]}, channels within the same group.
     */
    private static final class WindowProblem implements Problem {
        final int n;
        final int c;
        final int h;
        final int w;
        final int k;
        final int kernel;
        final int stride;
        final int pad;
        final int dilation;
        final int groups;
        final boolean transposed;
        final int oh;
        final int ow;
        final float[] dy;

        WindowProblem(int n, int c, int h, int w, int k, int kernel, int stride, int pad, int dilation, int groups,
                boolean transposed, Random r) {
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
            this.k = k;
            this.kernel = kernel;
            this.stride = stride;
            this.pad = pad;
            this.dilation = dilation;
            this.groups = groups;
            this.transposed = transposed;
            int span = dilation * (kernel - 1) + 1;
            this.oh = transposed ? (h - 1) * stride - 2 * pad + span : (h + 2 * pad - span) / stride + 1;
            this.ow = transposed ? (w - 1) * stride - 2 * pad + span : (w + 2 * pad - span) / stride + 1;
            this.dy = gaussian(n * k * oh * ow, r);
        }

        @Override
        public ActivationSite site() {
            long[] two = {kernel, kernel};
            return ActivationSite.convolution((transposed ? "deconv" : "conv") + kernel + "x" + kernel + "/" + stride
                    + "d" + dilation + "g" + groups, new ConvolutionWindow(two, new long[] {stride, stride},
                    new long[] {pad, pad}, new long[] {dilation, dilation}, groups, transposed));
        }

        @Override
        public Shape shape() {
            return new Shape(n, c, h, w);
        }

        @Override
        public NDArray gradOutput(NDManager m) {
            return m.create(dy, new Shape(n, k, oh, ow));
        }

        @Override
        public double[] gradient(float[] x) {
            int cg = c / groups;
            int kg = k / groups;
            // one entry per (input channel, output channel of its group, r, s)
            double[] g = new double[c * kg * kernel * kernel];
            for (int i = 0; i < n; i++) {
                for (int ch = 0; ch < c; ch++) {
                    int group = ch / cg;
                    for (int o = 0; o < kg; o++) {
                        int out = group * kg + o;
                        for (int r = 0; r < kernel; r++) {
                            for (int s = 0; s < kernel; s++) {
                                int at = ((ch * kg + o) * kernel + r) * kernel + s;
                                double sum = 0;
                                if (transposed) {
                                    for (int y = 0; y < h; y++) {
                                        int p = y * stride + r * dilation - pad;
                                        if (p < 0 || p >= oh) {
                                            continue;
                                        }
                                        for (int xx = 0; xx < w; xx++) {
                                            int q = xx * stride + s * dilation - pad;
                                            if (q >= 0 && q < ow) {
                                                sum += x[((i * c + ch) * h + y) * w + xx] * dy[((i * k + out) * oh + p) * ow + q];
                                            }
                                        }
                                    }
                                } else {
                                    for (int p = 0; p < oh; p++) {
                                        int y = p * stride + r * dilation - pad;
                                        if (y < 0 || y >= h) {
                                            continue;
                                        }
                                        for (int q = 0; q < ow; q++) {
                                            int xx = q * stride + s * dilation - pad;
                                            if (xx >= 0 && xx < w) {
                                                sum += x[((i * c + ch) * h + y) * w + xx] * dy[((i * k + out) * oh + p) * ow + q];
                                            }
                                        }
                                    }
                                }
                                g[at] += sum;
                            }
                        }
                    }
                }
            }
            return g;
        }

        @Override
        public NDArray fed(NDManager m, float[] x) {
            return m.create(toFloats(gradient(x)), new Shape(c, k / groups, kernel, kernel));
        }
    }

    // ------------------------------------------------------------------------------ data

    private static float[] gaussian(int size, Random r) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /**
     * An activation whose groups of 256 each have their own low end and range (over two decades);
     * with {@code midpoint}, all elements but the group's first two (its minimum and maximum) lie
     * half-way between them, otherwise uniformly between them. Values are multiples of 2^-8, so
     * that the FP16 records hold the low ends exactly.
     */
    private static float[] activation(Shape shape, boolean midpoint, Random r) {
        int size = (int) shape.size();
        int n = (int) shape.get(0);
        int features = size / n;
        float[] x = new float[size];
        for (int i = 0; i < n; i++) {
            for (int start = 0; start < features; start += 256) {
                float lo = Math.round((r.nextDouble() * 4 - 2) * 256) / 256f;
                float range = Math.max(1, Math.round(Math.pow(10, r.nextDouble() * 2 - 1) * 256)) / 256f;
                for (int j = start; j < Math.min(features, start + 256); j++) {
                    float v;
                    if (j == start) {
                        v = lo;
                    } else if (j == start + 1) {
                        v = lo + range;
                    } else {
                        v = midpoint ? lo + range / 2 : lo + (float) r.nextDouble() * range;
                    }
                    x[i * features + j] = v;
                }
            }
        }
        return x;
    }

    // ------------------------------------------------------------------------------ measuring

    /** The policy after one measurement of a problem at a bound. */
    private ErrorBoundedBitPolicy measured(Problem p, ActivationSite site, float[] x, double bound) {
        return measured(p, site, x, bound, true);
    }

    private ErrorBoundedBitPolicy measured(Problem p, ActivationSite site, float[] x, double bound, boolean stochastic) {
        return measured(p, site, x, bound, stochastic, xs -> cpu.analyze(xs, 256));
    }

    private ErrorBoundedBitPolicy measured(Problem p, ActivationSite site, float[] x, double bound, boolean stochastic,
            java.util.function.Function<NDArray, GroupStats> statsOf) {
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optErrorBound(bound).optAutoInterval(1)
                .optStochastic(stochastic).build();
        ErrorBoundedBitPolicy policy = new ErrorBoundedBitPolicy(config);
        try (NDManager m = manager.newSubManager()) {
            NDArray xs = m.create(x, p.shape());
            policy.beginStep(config, null);
            try (GroupStats stats = statsOf.apply(xs)) {
                assertEquals(8, policy.bitsFor(site, stats, (int) p.shape().get(0))[0], "initial bits");
            }
            BitPolicy.report(policy, site, p.gradOutput(m), p.fed(m, x));
            policy.endBackward();
        }
        return policy;
    }

    /** The bits the policy chose, read in the next step's forward. */
    private static int chosen(ErrorBoundedBitPolicy policy, ActivationSite site, int samples) {
        return policy.currentBits().get(site);
    }

    /**
     * Returns E ||g(x') - g(x)||^2 over stochastic roundings x' of x at some bits, estimated from
     * independent draws (different keys), and the standard error of that estimate.
     */
    private double[] measuredError(Problem p, float[] x, int bits) {
        return measuredError(p, x, 1, d -> QuantizeSpec.uniform(bits, 256, 1000L * bits + d, true));
    }

    /**
     * Returns E ||g(x') - g(x)||^2 and its standard error over the draws of the auto policy's
     * per-sample widths (a fresh random subset at the wider width per step) and the rounding.
     */
    private double[] measuredMixError(
            ErrorBoundedBitPolicy policy, ActivationSite site, Problem p, float[] x, int drawsFactor) {
        ActNNConfig later = ActNNConfig.builder().optLevel("auto").optAutoInterval(1_000_000).build();
        int samples = (int) p.shape().get(0);
        return measuredError(p, x, drawsFactor, d -> {
            policy.beginStep(later, null); // not a measurement step: the widths stay
            return QuantizeSpec.perSample(policy.bitsFor(site, null, samples), 256, 7919L + d, true);
        });
    }

    private double[] measuredError(Problem p, float[] x, int drawsFactor, java.util.function.IntFunction<QuantizeSpec> spec) {
        int draws = drawsFactor * (p instanceof BatchNormProblem ? 8 * DRAWS : DRAWS); // few gradient entries: noisier
        return measuredError(p, x, draws, (xs, d, m) -> {
            try (PackedTensor packed = cpu.quantize(xs, spec.apply(d), m)) {
                return cpu.dequantize(packed, m);
            }
        });
    }

    /** One draw of the activation as the backward restores it. */
    private interface Restore {
        NDArray restored(NDArray x, int draw, NDManager m);
    }

    private double[] measuredError(Problem p, float[] x, int draws, Restore restore) {
        double[] exact = p.gradient(x);
        double sum = 0;
        double sumSquares = 0;
        try (NDManager m = manager.newSubManager()) {
            NDArray xs = m.create(x, p.shape());
            for (int d = 0; d < draws; d++) {
                try (NDArray restored = restore.restored(xs, d, m)) {
                    double[] g = p.gradient(restored.toFloatArray());
                    double one = 0;
                    for (int i = 0; i < g.length; i++) {
                        double e = g[i] - exact[i];
                        one += e * e;
                    }
                    sum += one;
                    sumSquares += one * one;
                }
            }
        }
        double mean = sum / draws;
        double variance = Math.max(0, sumSquares / draws - mean * mean) * draws / (draws - 1);
        return new double[] {mean, Math.sqrt(variance / draws)};
    }

    private static double squaredNorm(double[] g) {
        double s = 0;
        for (double v : g) {
            s += v * v;
        }
        return s;
    }

    /**
     * For every width b: a bound half-way (geometrically) between the model's errors at b and b - 1
     * bits gives exactly b bits; the measured error at b bits is within the bound and at b - 1 bits
     * above it. Returns the ratios measured / model per width.
     */
    private double[] fewestBitsThatKeepTheBound(String what, Problem p, float[] x) {
        ActivationSite site = p.site();
        ErrorBoundedBitPolicy probe = measured(p, site, x, 1);
        double g = squaredNorm(p.gradient(x));
        double estimate = probe.gradientEstimate(site).orElseThrow();
        assertTrue(estimate <= g * (1 + 1e-5) && estimate > 0.5 * g, what + ": gradient estimate " + estimate + " vs " + g);
        double[] model = new double[9];
        double[] error = new double[9];
        double[] ratio = new double[9];
        double[] se = new double[9];
        for (int b = 1; b <= 8; b++) {
            model[b] = probe.modelledError(site, b).orElseThrow();
            double[] e = measuredError(p, x, b);
            error[b] = e[0];
            se[b] = e[1];
            ratio[b] = error[b] / model[b];
            // the model bounds the expectation: the mean of the draws exceeds it by sampling error only
            assertTrue(error[b] - 3 * se[b] <= model[b],
                    what + ": measured " + error[b] + " +- " + se[b] + " above the model " + model[b] + " at " + b + " bits");
        }
        StringBuilder log = new StringBuilder(what + ": ||g||^2 = " + String.format("%.4g", g));
        for (int b = 1; b <= 8; b++) {
            double bound = b == 1 ? 2 * model[1] / estimate : Math.sqrt(model[b] * model[b - 1]) / estimate;
            ErrorBoundedBitPolicy policy = measured(p, site, x, bound);
            assertEquals(b, chosen(policy, site, (int) p.shape().get(0)), what + ": bits at e^2 = " + bound);
            assertTrue(error[b] + 3 * se[b] <= bound * g,
                    what + ": " + b + " bits measure " + error[b] + " +- " + se[b] + " > e^2 ||g||^2 = " + bound * g);
            if (b > 1) {
                assertTrue(error[b - 1] - 3 * se[b - 1] > bound * g,
                        what + ": " + (b - 1) + " bits would also keep e^2 = " + bound + " (" + error[b - 1] + " <= " + bound * g + ")");
            }
            log.append(String.format("; %d bits: e^2 %.3g, measured/bound %.3f, one bit fewer %.2f", b, bound,
                    error[b] / (bound * g), b > 1 ? error[b - 1] / (bound * g) : Double.NaN));
        }
        System.out.println(log);
        return ratio;
    }

    /**
     * The statistics the store gives the policy for a ReLU output it packs compacted: bounding
     * ones over the tensor's groups, from the rows' own statistics.
     */
    private GroupStats compactedStats(NDArray xs) {
        NDManager m = xs.getManager();
        PackedMask mask = cpu.packPositive(xs, m);
        NDArray rows = cpu.compact(xs, mask, m).orElseThrow();
        try (GroupStats rowStats = cpu.analyze(rows, 256)) {
            return cpu.boundingStats(xs, mask, rowStats, 256);
        }
    }

    /** E ||g(x') - g(x)||^2 and its standard error when x is kept as its compacted positive elements. */
    private double[] measuredCompactedError(Problem p, float[] x, int bits) {
        return measuredError(p, x, DRAWS, (xs, d, m) -> {
            PackedMask mask = cpu.packPositive(xs, m);
            NDArray rows = cpu.compact(xs, mask, m).orElseThrow();
            try (PackedTensor packed = cpu.quantize(rows, QuantizeSpec.uniform(bits, 256, 3000L * bits + d, true), m);
                    NDArray unpacked = cpu.dequantize(packed, m)) {
                return cpu.expand(unpacked, mask, 0, m);
            }
        });
    }

    /** A ReLU output whose channels (runs of {@code plane} features) have scales over two decades. */
    private static float[] reluOutput(Shape shape, int plane, Random r) {
        float[] x = gaussian((int) shape.size(), r);
        float scale = 1;
        for (int i = 0; i < x.length; i++) {
            if (i % plane == 0) {
                scale = (float) Math.pow(10, r.nextDouble() * 2 - 1);
            }
            x[i] = Math.max(0f, x[i] * scale);
        }
        return x;
    }

    /**
     * A ReLU output packed as its positive elements only: at every width the measured error stays
     * within what the policy models from the bounding statistics, and a bound placed at a width's
     * model gives that width, whose error keeps it.
     */
    private void compactedKeepsTheBound(String what, Problem p, float[] x) {
        ActivationSite site = p.site();
        ErrorBoundedBitPolicy probe = measured(p, site, x, 1, true, this::compactedStats);
        double g = squaredNorm(p.gradient(x));
        double estimate = probe.gradientEstimate(site).orElseThrow();
        StringBuilder log = new StringBuilder(what + " compacted:");
        for (int b = 1; b <= 8; b++) {
            double model = probe.modelledError(site, b).orElseThrow();
            double[] e = measuredCompactedError(p, x, b);
            assertTrue(e[0] - 3 * e[1] <= model,
                    what + ": measured " + e[0] + " +- " + e[1] + " above the model " + model + " at " + b + " bits");
            double bound = model / estimate * (1 + 1e-6);
            ErrorBoundedBitPolicy policy = measured(p, site, x, bound, true, this::compactedStats);
            assertEquals(b, chosen(policy, site, (int) p.shape().get(0)), what + ": bits at e^2 = " + bound);
            assertTrue(e[0] + 3 * e[1] <= bound * g,
                    what + ": " + b + " bits measure " + e[0] + " +- " + e[1] + " > e^2 ||g||^2 = " + bound * g);
            log.append(String.format(" %d bits measured/model %.2f;", b, e[0] / model));
        }
        System.out.println(log);
    }

    // ------------------------------------------------------------------------------ tests

    @Test
    void compactedReluOutputsKeepTheBoundOfALinearLayer() {
        Random r = new Random(21);
        LinearProblem p = new LinearProblem(6, 600, 5, r);
        compactedKeepsTheBound("linear", p, reluOutput(p.shape(), 600, r));
    }

    @Test
    void compactedReluOutputsKeepTheBoundOfAConvolution() {
        Random r = new Random(22);
        WindowProblem p = new WindowProblem(3, 4, 16, 16, 5, 3, 1, 1, 1, 1, false, r);
        compactedKeepsTheBound("windowed conv 3x3", p, reluOutput(p.shape(), 256, r));
    }


    @Test
    void linearLayerGetsTheFewestBitsThatKeepTheBound() {
        Random r = new Random(1);
        LinearProblem p = new LinearProblem(6, 300, 5, r);
        double[] ratio = fewestBitsThatKeepTheBound("linear", p, activation(p.shape(), true, r));
        for (int b = 1; b <= 8; b++) {
            assertTrue(ratio[b] > 0.85, "the linear model is tight on midpoint data: " + ratio[b] + " at " + b + " bits");
        }
    }

    @Test
    void convolutionGetsTheFewestBitsThatKeepTheBound() {
        Random r = new Random(2);
        // 16x16 planes: each channel is one group of 256, as in the model's unit
        ConvProblem p = new ConvProblem(3, 4, 16, 16, 5, 3, 1, 1, r);
        fewestBitsThatKeepTheBound("conv 3x3", p, activation(p.shape(), true, r));
    }

    @Test
    void windowedConvolutionGetsTheFewestBitsThatKeepTheBound() {
        Random r = new Random(12);
        WindowProblem p = new WindowProblem(3, 4, 16, 16, 5, 3, 1, 1, 1, 1, false, r);
        fewestBitsThatKeepTheBound("windowed conv 3x3", p, activation(p.shape(), true, r));
    }

    @Test
    void theWindowIsNeverLooserThanTheKernelAreaBound() {
        Random r = new Random(13);
        ConvProblem dense = new ConvProblem(2, 6, 12, 12, 4, 3, 2, 1, r);
        WindowProblem windowed = new WindowProblem(2, 6, 12, 12, 4, 3, 2, 1, 1, 1, false, r);
        float[] x = activation(dense.shape(), false, r);
        // the same output gradient for both
        System.arraycopy(dense.dy, 0, windowed.dy, 0, dense.dy.length);
        ActivationSite plain = dense.site();
        ActivationSite site = windowed.site();
        double loose = measured(dense, plain, x, 0.01).modelledError(plain, 4).orElseThrow();
        double tight = measured(windowed, site, x, 0.01).modelledError(site, 4).orElseThrow();
        assertTrue(tight <= loose, "windowed " + tight + " > kernel-area " + loose);
        System.out.printf("conv 3x3/2: windowed bound / kernel-area bound = %.3f%n", tight / loose);
    }

    @Test
    void batchNormGetsTheFewestBitsThatKeepTheBound() {
        Random r = new Random(3);
        BatchNormProblem p = new BatchNormProblem(2, 16, 256, true, r);
        fewestBitsThatKeepTheBound("batchnorm", p, activation(p.shape(), true, r));
    }

    @Test
    void theBoundHoldsAcrossBoundsLayersAndData() {
        Random r = new Random(4);
        double[] bounds = {1e-4, 1e-3, 1e-2, 0.1, 0.5, 1, 4};
        Problem[] problems = {
            new LinearProblem(8, 300, 7, r),
            new ConvProblem(2, 6, 12, 12, 4, 3, 2, 1, r), // strided; groups span channels (144 each)
            new ConvProblem(2, 3, 9, 9, 4, 1, 1, 0, r), // 1x1, partial groups
            new WindowProblem(2, 6, 12, 12, 4, 3, 2, 1, 1, 1, false, r), // windowed, strided
            new WindowProblem(2, 4, 11, 11, 6, 3, 1, 2, 2, 1, false, r), // dilated
            new WindowProblem(2, 6, 10, 10, 6, 3, 1, 1, 1, 3, false, r), // grouped
            new WindowProblem(2, 4, 7, 7, 3, 3, 2, 1, 1, 1, true, r), // transposed, strided
            new BatchNormProblem(3, 8, 100, false, r), // reports dx: bound relative to dbeta alone
            new BatchNormProblem(3, 8, 100, true, r),
        };
        StringBuilder log = new StringBuilder("measured / (e^2 ||g||^2) at the chosen bits:");
        double worst = 0;
        for (Problem p : problems) {
            for (boolean midpoint : new boolean[] {false, true}) {
                float[] x = activation(p.shape(), midpoint, r);
                double g = squaredNorm(p.gradient(x));
                ActivationSite site = p.site();
                log.append("\n  ").append(site.getName()).append(p.shape()).append(midpoint ? " midpoint:" : " uniform:");
                for (double bound : bounds) {
                    ErrorBoundedBitPolicy policy = measured(p, site, x, bound);
                    int bits = chosen(policy, site, (int) p.shape().get(0));
                    double average = policy.averageBits().get(site);
                    // at the widths the policy gives the samples: the wider one and one bit fewer
                    double[] error = measuredMixError(policy, site, p, x, 1);
                    log.append(String.format(" e^2=%g: %.2f bits %.3f", bound, average, error[0] / (bound * g)));
                    if (bits < 8) {
                        assertTrue(error[0] - 3 * error[1] <= bound * g,
                                site + " at e^2 = " + bound + ": " + error[0] + " +- " + error[1] + " > " + bound * g);
                    }
                    worst = Math.max(worst, error[0] / (bound * g));
                    if (bits > 1) {
                        // fewest under the guarantee: the model does not allow one bit less
                        double model = policy.modelledError(site, bits - 1).orElseThrow();
                        assertTrue(model > bound * policy.gradientEstimate(site).orElseThrow(), site + " could use fewer bits");
                    }
                }
            }
        }
        System.out.println(log.append("\n  largest ratio ").append(String.format("%.3f", worst)));
    }

    @Test
    void nearestRoundingGetsAcGcsDeterministicBound() {
        // Round-to-nearest errors are deterministic and may add up coherently: the policy then
        // uses AC-GC's Cauchy-Schwarz bound, which holds for the one possible outcome, and needs
        // more bits than the expectation bound of stochastic rounding.
        Random r = new Random(7);
        Problem[] problems = {new LinearProblem(8, 300, 7, r), new ConvProblem(2, 6, 12, 12, 4, 3, 2, 1, r),
            new WindowProblem(2, 6, 10, 10, 6, 3, 1, 1, 1, 3, false, r), new WindowProblem(2, 4, 7, 7, 3, 3, 2, 1, 1, 1, true, r),
            new BatchNormProblem(3, 8, 100, true, r)};
        StringBuilder log = new StringBuilder("nearest rounding, bits (stochastic bits) and error / bound:");
        for (Problem p : problems) {
            float[] x = activation(p.shape(), false, r);
            double g = squaredNorm(p.gradient(x));
            double[] exact = p.gradient(x);
            ActivationSite site = p.site();
            log.append("\n  ").append(site.getName()).append(':');
            for (double bound : new double[] {1e-3, 1e-2, 0.1, 0.5}) {
                int bits = measured(p, site, x, bound, false).currentBits().get(site);
                int stochasticBits = measured(p, site, x, bound, true).currentBits().get(site);
                assertTrue(bits >= stochasticBits, site + ": nearest " + bits + " < stochastic " + stochasticBits);
                double error = 0;
                try (NDManager m = manager.newSubManager();
                        PackedTensor packed = cpu.quantize(m.create(x, p.shape()), QuantizeSpec.uniform(bits, 256, 0, false), m);
                        NDArray restored = cpu.dequantize(packed, m)) {
                    double[] q = p.gradient(restored.toFloatArray());
                    for (int i = 0; i < q.length; i++) {
                        error += (q[i] - exact[i]) * (q[i] - exact[i]);
                    }
                }
                log.append(String.format(" e^2=%g: %d (%d) %.2g", bound, bits, stochasticBits, error / (bound * g)));
                if (bits < 8) {
                    assertTrue(error <= bound * g, site + " at e^2 = " + bound + ": " + error + " > " + bound * g);
                }
            }
        }
        System.out.println(log);
    }

    @Test
    void historyAveragesTheLastMeasurementsAndSkipsTheStepsBetween() {
        Random r = new Random(5);
        LinearProblem p = new LinearProblem(4, 256, 3, r);
        float[] x = activation(p.shape(), false, r);
        ActivationSite site = p.site();
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optErrorBound(0.1).optAutoInterval(3).build();
        ErrorBoundedBitPolicy policy = new ErrorBoundedBitPolicy(config);
        double[] models = new double[12];
        for (int step = 0; step < 12; step++) {
            try (NDManager m = manager.newSubManager()) {
                NDArray xs = m.create(x, p.shape());
                // the gradient doubles every step: only the measured steps (0, 3, 6, 9) count
                NDArray dy = p.gradOutput(m).mul(Math.pow(2, step));
                policy.beginStep(config, null);
                assertEquals(step % 3 == 0, policy.needsStats(site), "step " + step);
                try (GroupStats stats = cpu.analyze(xs, 256)) {
                    policy.bitsFor(site, policy.needsStats(site) ? stats : null, 4);
                }
                assertEquals(step % 3 == 0, policy.wantsGradients(site));
                if (policy.wantsGradients(site)) {
                    BitPolicy.report(policy, site, dy, p.fed(m, x).mul(Math.pow(2, step)));
                }
                policy.endBackward();
                models[step] = policy.modelledError(site, 1).orElseThrow();
            }
        }
        // Q scales with ||dy||^2 = 4^step: the mean of the measured steps' values
        double q0 = models[0];
        assertEquals(q0, models[2], 0);
        assertEquals(q0 * (1 + Math.pow(4, 3)) / 2, models[3], q0 * 1e-4);
        assertEquals(q0 * (1 + Math.pow(4, 3) + Math.pow(4, 6) + Math.pow(4, 9)) / 4, models[11], q0 * 1e-2);
    }

    /**
     * Through the tape: a batch normalisation's bound is relative to its parameter gradient,
     * {@code ||dgamma||^2 + ||dbeta||^2}, and with {@code gamma} frozen to {@code ||dbeta||^2}
     * alone; beta's gradient must never be taken for gamma's (it would double the estimate and
     * loosen the bound by as much).
     */
    @Test
    void batchNormsGradientEstimateIsItsParameterGradient() {
        for (boolean frozenGamma : new boolean[] {false, true}) {
            ActNNConfig config = ActNNConfig.builder().optLevel("auto").optAutoInterval(1).build();
            Shape shape = new Shape(4, 3, 6, 6);
            try (GradientHarness h = new GradientHarness(BatchNorm.builder().build(), shape, config)) {
                for (Pair<String, Parameter> p : h.converted().getParameters()) {
                    if (p.getKey().endsWith("gamma")) {
                        p.getValue().freeze(frozenGamma);
                    }
                }
                NDArray x = h.manager().randomNormal(shape).mul(2).add(0.5f);
                Map<String, NDArray> exact = h.exactGradients(x);
                h.compressedGradients(x);
                ErrorBoundedBitPolicy policy = (ErrorBoundedBitPolicy) h.compressedTrainer().getCompression().policy();
                ActivationSite site = policy.currentBits().keySet().stream()
                        .filter(k -> k.getKind() == ActivationSite.Kind.BATCH_NORM)
                        .findFirst()
                        .orElseThrow();
                double expected = 0;
                for (Map.Entry<String, NDArray> e : exact.entrySet()) {
                    if (e.getKey().endsWith("beta") || e.getKey().endsWith("gamma")) {
                        expected += e.getValue().square().sum().getFloat();
                    }
                }
                assertEquals(!frozenGamma, exact.keySet().stream().anyMatch(k -> k.endsWith("gamma")));
                double estimate = policy.gradientEstimate(site).orElseThrow();
                // the first step runs at 8 bits: dgamma~ is within a fraction of a percent of dgamma
                assertEquals(expected, estimate, 0.01 * expected, "frozen gamma: " + frozenGamma);
            }
        }
    }

    @Test
    void layersThatReportNothingKeepTheInitialBits() {
        ActNNConfig config = ActNNConfig.builder().optLevel("auto").optAutoInterval(1).build();
        ErrorBoundedBitPolicy policy = new ErrorBoundedBitPolicy(config);
        ActivationSite site = new ActivationSite("silent", ActivationSite.Kind.LINEAR, 1);
        try (NDManager m = manager.newSubManager()) {
            NDArray xs = m.randomNormal(new Shape(4, 64));
            for (int step = 0; step < 3; step++) {
                policy.beginStep(config, null);
                try (GroupStats stats = cpu.analyze(xs, 64)) {
                    assertEquals(8, policy.bitsFor(site, stats, 4)[0]);
                }
                policy.endBackward();
            }
        }
    }

    @Test
    void widthsBetweenIntegersKeepTheBoundAtFewerBits() {
        // 32 samples of midpoint data, where the linear model is tight: a bound half-way between two
        // integer widths' errors gives part of the samples one bit fewer, and the error measured over
        // the draws of that part and of the rounding stays within the bound.
        Random r = new Random(11);
        LinearProblem p = new LinearProblem(32, 256, 5, r);
        float[] x = activation(p.shape(), true, r);
        ActivationSite site = p.site();
        double g = squaredNorm(p.gradient(x));
        ErrorBoundedBitPolicy probe = measured(p, site, x, 1);
        double estimate = probe.gradientEstimate(site).orElseThrow();
        StringBuilder log = new StringBuilder("widths between integers (32 samples):");
        for (int b = 2; b <= 4; b++) {
            double wide = probe.modelledError(site, b).orElseThrow();
            double narrow = probe.modelledError(site, b - 1).orElseThrow();
            double bound = (0.5 * wide + 0.5 * narrow) / estimate;
            ErrorBoundedBitPolicy policy = measured(p, site, x, bound);
            assertEquals(b, chosen(policy, site, 32), "the wider width at e^2 = " + bound);
            double average = policy.averageBits().get(site);
            assertEquals(b - 0.5, average, 0.02, "half-way between the errors: about half the samples at each width");
            double[] error = measuredMixError(policy, site, p, x, 4);
            assertTrue(error[0] - 3 * error[1] <= bound * g,
                    b + " bits mixed: " + error[0] + " +- " + error[1] + " > e^2 ||g||^2 = " + bound * g);
            // tight: the mix spends the bound, where the whole wider width would use a fraction of it
            assertTrue(error[0] + 3 * error[1] > 0.8 * bound * g, "the mix uses the bound: " + error[0] / (bound * g));
            // the fewest samples at the wider width that the model allows: one fewer is over the bound
            int[] bits = policy.bitsFor(site, null, 32);
            int atWide = 0;
            int atNarrow = 0;
            for (int v : bits) {
                atWide += v == b ? 1 : 0;
                atNarrow += v == b - 1 ? 1 : 0;
            }
            assertEquals(32, atWide + atNarrow, "every sample at " + b + " or " + (b - 1) + " bits");
            double share = atWide / 32.0;
            double fewer = (atWide - 1) / 32.0;
            assertTrue(share * wide + (1 - share) * narrow <= bound * estimate * (1 + 1e-9), "the mix keeps the model's bound");
            assertTrue(fewer * wide + (1 - fewer) * narrow > bound * estimate, "one sample fewer at " + b + " bits would not");
            log.append(String.format(" e^2=%.3g: %.2f bits, measured/bound %.3f (all at %d bits: %.3f)", bound, average,
                    error[0] / (bound * g), b, wide / (bound * estimate)));
        }
        System.out.println(log);
    }

    @Test
    void upperFractionIsTheLeastMixWithinTheBound() {
        // q = 20, ||g||^2 = 1, e^2 = 1: 2 bits allow 20/9 > 1, 3 bits 20/49 <= 1
        double p = ErrorBoundedBitPolicy.upperFraction(20, 1, 1, 3);
        assertEquals(1, 20 * (p / 49 + (1 - p) / 9), 1e-12, "the mix spends the bound exactly");
        assertEquals(22, ErrorBoundedBitPolicy.upperSamples(p, 32)); // 0.674 * 32 = 21.6, rounded up
        assertEquals(1, ErrorBoundedBitPolicy.upperFraction(20, 1, 1, 1), 0, "1 bit has no narrower width");
        assertEquals(1, ErrorBoundedBitPolicy.upperFraction(1e9, 1, 1, 8), 0, "8 bits over the bound: all at 8");
        assertEquals(1, ErrorBoundedBitPolicy.upperFraction(9, 1, 1, 2), 0, "2 bits exactly at the bound");
        assertEquals(1, ErrorBoundedBitPolicy.upperFraction(Double.NaN, 1, 1, 8), 0);
        assertEquals(32, ErrorBoundedBitPolicy.upperSamples(1, 32));
        assertEquals(1, ErrorBoundedBitPolicy.upperSamples(1e-6, 32), "any share of the wider width is at least a sample");
    }

    @Test
    void chooseBitsIsTheFewestWithinTheBound() {
        assertEquals(1, ErrorBoundedBitPolicy.chooseBits(1, 1, 1));
        assertEquals(2, ErrorBoundedBitPolicy.chooseBits(9, 1, 1));
        assertEquals(3, ErrorBoundedBitPolicy.chooseBits(9.01, 1, 1));
        assertEquals(3, ErrorBoundedBitPolicy.chooseBits(49, 1, 1));
        assertEquals(5, ErrorBoundedBitPolicy.chooseBits(31 * 31, 1, 1));
        assertEquals(8, ErrorBoundedBitPolicy.chooseBits(1e9, 1, 1));
        assertEquals(8, ErrorBoundedBitPolicy.chooseBits(1, 0, 1));
        assertEquals(8, ErrorBoundedBitPolicy.chooseBits(Double.NaN, 1, 1));
        assertEquals(8, ErrorBoundedBitPolicy.chooseBits(Double.POSITIVE_INFINITY, 1, 1));
    }
}
