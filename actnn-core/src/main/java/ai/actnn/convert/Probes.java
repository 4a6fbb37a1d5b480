package ai.actnn.convert;

import ai.actnn.autograd.GradMode;
import ai.actnn.internal.Autograd;
import ai.actnn.nn.Clipping;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;
import java.util.function.Function;

/**
 * The inputs and comparisons with which the converter recognises what an opaque function computes.
 * Probes span magnitudes far beyond any clipping threshold, both signs and the usual thresholds
 * themselves, so that a function whose behaviour only shows at large magnitudes (ReLU6, clip,
 * saturations) is never taken for a simpler one; agreement must be exact.
 */
final class Probes {

    /** Values every probe contains: thresholds, their neighbours, and large magnitudes. */
    private static final float[] SPECIAL = {
        0f, -0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 1f, -1f, 2f, -2f, 5.99f, 6f, 6.01f, -6f, 7f, -7f,
        10f, -10f, 100f, -100f, 1e4f, -1e4f, 1e6f, -1e6f
    };

    /** The shapes of the probes: a 4-D one and a matrix (softmax axes differ between them). */
    static final Shape[] SHAPES = {new Shape(2, 3, 5, 8), new Shape(3, 16)};

    private Probes() {}

    /**
     * Returns a probe of a shape: the special values, then normal values at scales 1, 10 and
     * 1000, both signs, in a fixed order (the same probe every time).
     *
     * @param manager the owner of the probe
     * @param shape the shape
     * @param salt varies the random part between the inputs of one function
     * @return the probe
     */
    static NDArray of(NDManager manager, Shape shape, int salt) {
        int n = (int) shape.size();
        float[] v = new float[n];
        Random random = new Random(0x5EED + salt);
        for (int i = 0; i < n; i++) {
            if (i < SPECIAL.length) {
                v[(i * 7 + salt) % n] = SPECIAL[i];
            }
        }
        double[] scales = {1, 10, 1000};
        for (int i = 0; i < n; i++) {
            int at = (i * 7 + salt) % n;
            if (i >= SPECIAL.length) {
                v[at] = (float) (random.nextGaussian() * scales[i % scales.length]);
            }
        }
        return manager.create(v, shape);
    }

    /**
     * Returns whether two arrays are equal element for element, with the same shape and type.
     *
     * @param a an array
     * @param b another
     * @return whether they are exactly equal
     */
    static boolean same(NDArray a, NDArray b) {
        return a.getShape().equals(b.getShape()) && a.getDataType() == b.getDataType() && a.contentEquals(b);
    }

    /**
     * Returns an array of the first probe shape whose elements cycle through {@code values}: how
     * chosen points are put to a function that is only ever given the probe shapes.
     *
     * @param manager the owner of the array
     * @param values the values
     * @return the array
     */
    static NDArray filled(NDManager manager, float[] values) {
        Shape shape = SHAPES[0];
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i % values.length];
        }
        return manager.create(v, shape);
    }

    /**
     * Returns the value at each of the chosen points of an array made by {@link #filled}, or null
     * unless every copy of a point has the same value (then the function is element-wise there).
     *
     * @param y the function's output on a filled array
     * @param points the number of chosen points
     * @return one value per point, or null
     */
    static float[] perPoint(NDArray y, int points) {
        if (y == null || !y.getShape().equals(SHAPES[0])) {
            return null;
        }
        float[] v = y.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] out = new float[points];
        for (int i = 0; i < v.length; i++) {
            if (i < points) {
                out[i] = v[i];
            } else if (Float.compare(v[i], out[i % points]) != 0) {
                return null;
            }
        }
        return out;
    }

    /**
     * Returns the gradient of {@code sum(f(x))} at chosen points, by autograd, or null if {@code f}
     * does not take part in autograd or is not element-wise there.
     *
     * @param manager the owner of the probe
     * @param points the points
     * @param f the function
     * @return the gradient, one value per point
     */
    static float[] gradientAt(NDManager manager, float[] points, Function<NDArray, NDArray> f) {
        try (NDManager scope = manager.newSubManager();
                GradMode on = GradMode.enabled()) {
            NDArray x = filled(scope, points);
            x.setRequiresGradient(true);
            NDArray y = f.apply(x);
            if (y == null || !y.getShape().equals(x.getShape()) || !Autograd.requiresGrad(y)[0]) {
                return null;
            }
            Autograd.backward(y, scope.ones(y.getShape(), y.getDataType()), false);
            NDArray g = Autograd.gradientOrNull(x);
            if (g == null) {
                return null;
            }
            try (g) {
                return perPoint(g, points.length);
            }
        }
    }

    /**
     * Runs a unary block-like function on one array.
     *
     * @param f the function of an NDList
     * @return the function of one array, or a function that returns null when f does not give
     *     exactly one output
     */
    static Function<NDArray, NDArray> unary(Function<NDList, NDList> f) {
        return x -> {
            NDList out = f.apply(new NDList(x));
            return out.size() == 1 ? out.get(0) : null;
        };
    }

    /**
     * Returns the clipping that a function computing {@code x.clip(low, high)} (values already
     * proven equal) has, with its gradient factor at each finite end read by autograd; null
     * unless its gradient is 1 inside and 0 outside, so that {@link Clipping} reproduces it
     * exactly.
     *
     * @param manager the owner of the probes
     * @param f the function of one array
     * @param low the lower end (negative infinity for none)
     * @param high the upper end (positive infinity for none)
     * @return the clipping, or null
     */
    static Clipping clipping(NDManager manager, Function<NDArray, NDArray> f, float low, float high) {
        float inside = Float.isInfinite(low) ? high - 1 : Float.isInfinite(high) ? low + 1 : low + (high - low) / 2;
        float[] points = {inside, low, low - 1, high, high + 1};
        float[] g;
        try {
            g = gradientAt(manager, points, f);
        } catch (RuntimeException e) {
            return null;
        }
        if (g == null || g[0] != 1f) {
            return null;
        }
        if (Float.isFinite(low) && g[2] != 0f) {
            return null;
        }
        if (Float.isFinite(high) && g[4] != 0f) {
            return null;
        }
        try {
            return Clipping.of(low, high, Float.isFinite(low) ? g[1] : 0f, Float.isFinite(high) ? g[3] : 0f);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Returns the saturation values of an element-wise function at the probes' extremes, {@code
     * f(-1e6)} and {@code f(1e6)}, as clipping ends (infinite where it does not saturate), or null.
     *
     * @param manager the owner of the probe
     * @param f the function of one array
     * @return {low, high}, or null if f saturates on neither side or does not give two values
     */
    static float[] saturation(NDManager manager, Function<NDArray, NDArray> f) {
        float[] v;
        try {
            v = perPoint(f.apply(filled(manager, new float[] {-1e6f, 1e6f})), 2);
        } catch (RuntimeException e) {
            return null;
        }
        if (v == null) {
            return null;
        }
        float low = v[0] == -1e6f ? Float.NEGATIVE_INFINITY : v[0];
        float high = v[1] == 1e6f ? Float.POSITIVE_INFINITY : v[1];
        if (!(low < high) || (low == Float.NEGATIVE_INFINITY && high == Float.POSITIVE_INFINITY)) {
            return null;
        }
        return new float[] {low, high};
    }
}
