package ai.actnn.convert;

import ai.actnn.autograd.GradMode;
import ai.actnn.internal.Autograd;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import java.util.Random;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether an opaque, parameterless block computes an element-wise function: each output
 * element a function of the same input element alone, the same function everywhere. On each of
 * the {@link Probes} (both probe shapes, magnitudes up to 1e6 on both signs) it must
 *
 * <ol>
 *   <li>return one array of the input's shape and type;
 *   <li>commute with a random permutation of the elements ({@code f(Px) = P f(x)} to a few units
 *       in the last place, as vectorised kernels round: no dependence on position, on other
 *       elements, or on random draws);
 *   <li>have a diagonal Jacobian: the gradient of {@code sum(f(x) * r)} for random weights
 *       {@code r} equals {@code r} times the gradient of {@code sum(f(x))} (to 1e-5 relative,
 *       1e-6 of the largest element absolute), finite everywhere (this rejects functions of several
 *       elements that commute with permutations, such as {@code x - mean(x)} or {@code x /
 *       norm(x)}).
 * </ol>
 *
 * What passes can keep its derivative instead of its input ({@code QElementwise}).
 */
final class ElementwiseRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(ElementwiseRecognizer.class);

    /** Relative tolerance of the Jacobian check (the two backwards round differently). */
    private static final double TOLERANCE = 1e-5;
    /** Absolute floor of the Jacobian check, relative to the largest gradient element. */
    private static final double FLOOR = 1e-6;
    /** Units in the last place by which results of one input at two positions may differ. */
    private static final int ULPS = 4;

    private ElementwiseRecognizer() {}

    /**
     * Returns whether a block computes an element-wise function of its one input.
     *
     * @param block the block (parameterless)
     * @return whether every check holds on every probe
     */
    static boolean isElementwise(Block block) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            Function<NDArray, NDArray> f = Probes.unary(in -> block.forward(ps, in, false, null));
            for (int i = 0; i < Probes.SHAPES.length; i++) {
                if (!holds(manager, f, Probes.of(manager, Probes.SHAPES[i], 31 + i), i)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            logger.debug("probing {} for an element-wise function failed: it is not recognised", block, e);
            return false;
        }
    }

    private static boolean holds(NDManager manager, Function<NDArray, NDArray> f, NDArray x, int salt) {
        NDArray y = f.apply(x);
        if (y == null || !y.getShape().equals(x.getShape()) || y.getDataType() != x.getDataType()) {
            return false;
        }
        float[] xs = x.toFloatArray();
        float[] ys = y.toType(DataType.FLOAT32, false).toFloatArray();
        int n = xs.length;
        int[] perm = permutation(n, new Random(0xE1E3 + salt));
        float[] px = new float[n];
        for (int k = 0; k < n; k++) {
            px[k] = xs[perm[k]];
        }
        NDArray permuted = f.apply(manager.create(px, x.getShape()));
        if (permuted == null || !permuted.getShape().equals(x.getShape())) {
            return false;
        }
        float[] pys = permuted.toType(DataType.FLOAT32, false).toFloatArray();
        for (int k = 0; k < n; k++) {
            if (!sameUpToUlps(pys[k], ys[perm[k]])) {
                return false;
            }
        }
        Random random = new Random(0xD1A6 + salt);
        float[] r = new float[n];
        for (int k = 0; k < n; k++) {
            r[k] = (float) random.nextGaussian();
        }
        float[] plain = gradient(manager, f, x, null);
        float[] weighted = gradient(manager, f, x, manager.create(r, x.getShape()));
        if (plain == null || weighted == null) {
            return false;
        }
        double largest = 0;
        for (int k = 0; k < n; k++) {
            if (!Float.isFinite(weighted[k]) || !Float.isFinite(plain[k])) {
                return false;
            }
            largest = Math.max(largest, Math.abs(weighted[k]));
        }
        for (int k = 0; k < n; k++) {
            double a = weighted[k];
            double b = (double) r[k] * plain[k];
            // Relative to the element, plus a floor relative to the largest element: composite
            // functions (softSign) cancel large terms where their derivative is tiny.
            if (Math.abs(a - b) > TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) + FLOOR * largest + Float.MIN_NORMAL) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether two results of the same function at the same input agree to a few units in the
     * last place: PyTorch's vectorised kernels and their scalar tails may round differently, so
     * an element's result can depend on where in the array it sits by an ulp or two.
     */
    private static boolean sameUpToUlps(float a, float b) {
        if (Float.compare(a, b) == 0) {
            return true;
        }
        if (!Float.isFinite(a) || !Float.isFinite(b)) {
            return false;
        }
        return Math.abs(a - b) <= ULPS * Math.ulp(Math.max(Math.abs(a), Math.abs(b)));
    }

    /** The gradient of {@code sum(f(x) * weights)} (weights of ones when null), or null. */
    private static float[] gradient(NDManager manager, Function<NDArray, NDArray> f, NDArray x, NDArray weights) {
        try (NDManager scope = manager.newSubManager();
                GradMode on = GradMode.enabled()) {
            NDArray leaf = x.duplicate();
            leaf.attach(scope);
            leaf.setRequiresGradient(true);
            NDArray y = f.apply(leaf);
            if (y == null || !Autograd.requiresGrad(y)[0]) {
                return null;
            }
            NDArray w = weights != null ? weights : scope.ones(y.getShape(), y.getDataType());
            Autograd.backward(y, w, false);
            NDArray g = Autograd.gradientOrNull(leaf);
            if (g == null) {
                return null;
            }
            try (g) {
                return g.toType(DataType.FLOAT32, false).toFloatArray();
            }
        }
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
