package ai.actnn.convert;

import ai.actnn.nn.Clipping;
import ai.actnn.nn.activation.QClip;
import ai.actnn.nn.activation.QElu;
import ai.actnn.nn.activation.QGelu;
import ai.actnn.nn.activation.QLeakyReLU;
import ai.actnn.nn.activation.QLogSoftmax;
import ai.actnn.nn.activation.QReLU;
import ai.actnn.nn.activation.QSigmoid;
import ai.actnn.nn.activation.QSoftmax;
import ai.actnn.nn.activation.QSwish;
import ai.actnn.nn.activation.QTanh;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises the element-wise activation that a parameterless, opaque block computes (an unnamed
 * {@code LambdaBlock}; DJL's ResNet builds its ReLUs as unnamed method references), by running it
 * on {@link Probes} and comparing with known functions exactly. Piecewise functions are also
 * differentiated at their kinks, so that their Q-layer's gradient matches the block's there.
 * Whatever is not proven equal is left to the generic recomputing wrapper: never a guess.
 */
final class ActivationRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(ActivationRecognizer.class);

    private ActivationRecognizer() {}

    /**
     * Returns the Q-layer of a block that computes a known activation.
     *
     * @param block the block (parameterless, one input)
     * @return the Q-layer, the block itself if it is the identity, or null if not recognised
     */
    static Block recognize(Block block) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            Function<NDArray, NDArray> f = Probes.unary(in -> block.forward(ps, in, false, null));
            List<NDArray> xs = new ArrayList<>();
            List<NDArray> ys = new ArrayList<>();
            for (int i = 0; i < Probes.SHAPES.length; i++) {
                NDArray x = Probes.of(manager, Probes.SHAPES[i], i);
                NDArray y = f.apply(x);
                if (y == null) {
                    return null;
                }
                xs.add(x);
                ys.add(y);
            }
            if (all(xs, ys, (x, y) -> y == x || Probes.same(y, x))) {
                return block;
            }
            if (all(xs, ys, (x, y) -> Probes.same(y, ex(x).relu()))) {
                Clipping relu = Probes.clipping(manager, f, 0f, Float.POSITIVE_INFINITY);
                if (relu == null) {
                    return null;
                }
                // ReLU's own kernel passes no gradient at 0: other ways to compute it may.
                return relu.isRelu() ? new QReLU(block) : new QClip(block, relu);
            }
            float[] ends = Probes.saturation(manager, f);
            if (ends != null && all(xs, ys, (x, y) -> Probes.same(y, x.clip(ends[0], ends[1])))) {
                Clipping clipping = Probes.clipping(manager, f, ends[0], ends[1]);
                return clipping != null ? new QClip(block, clipping) : null;
            }
            if (all(xs, ys, (x, y) -> Probes.same(y, ex(x).gelu()))) {
                return new QGelu(block);
            }
            if (all(xs, ys, (x, y) -> Probes.same(y, ex(x).tanh()))) {
                return new QTanh(block);
            }
            if (all(xs, ys, (x, y) -> Probes.same(y, ex(x).sigmoid()))) {
                return new QSigmoid(block);
            }
            for (int axis : new int[] {-1, 1}) {
                if (all(xs, ys, (x, y) -> Probes.same(y, x.softmax(axis)))) {
                    return new QSoftmax(block, axis);
                }
                if (all(xs, ys, (x, y) -> Probes.same(y, x.logSoftmax(axis)))) {
                    return new QLogSoftmax(block, axis);
                }
            }
            Float beta = swishBeta(manager, f);
            if (beta != null && all(xs, ys, (x, y) -> Probes.same(y, Activation.swish(x, beta)))) {
                return new QSwish(block, beta);
            }
            Block leaky = leakyRelu(block, manager, f, xs, ys);
            if (leaky != null) {
                return leaky;
            }
            if (all(xs, ys, (x, y) -> Probes.same(y, Activation.selu(x)))) {
                return QElu.selu(block);
            }
            Float alpha = eluAlpha(manager, f);
            if (alpha != null && all(xs, ys, (x, y) -> Probes.same(y, Activation.elu(x, alpha)))) {
                return QElu.elu(block, alpha);
            }
            return null;
        } catch (RuntimeException e) {
            logger.debug("probing {} failed: it is not recognised", block, e);
            return null;
        }
    }

    private static NDArrayEx ex(NDArray x) {
        return x.getNDArrayInternal();
    }

    private interface Check {
        boolean holds(NDArray x, NDArray y);
    }

    private static boolean all(List<NDArray> xs, List<NDArray> ys, Check check) {
        for (int i = 0; i < xs.size(); i++) {
            if (!check.holds(xs.get(i), ys.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the leaky ReLU a function computes, or null: its slope is {@code -f(-1)}, its values
     * must equal PyTorch's {@code leaky_relu} on every probe, and its gradient must be 1 above 0
     * and the slope below (its gradient exactly at 0, which {@code maximum(x, a * x)} splits,
     * is read and kept).
     */
    private static Block leakyRelu(Block block, NDManager manager, Function<NDArray, NDArray> f, List<NDArray> xs, List<NDArray> ys) {
        float[] v;
        try {
            v = Probes.perPoint(f.apply(Probes.filled(manager, new float[] {-1f, 1f})), 2);
        } catch (RuntimeException e) {
            return null;
        }
        if (v == null || v[1] != 1f) {
            return null;
        }
        float alpha = -v[0];
        if (!Float.isFinite(alpha) || alpha == 0f || alpha == 1f
                || !all(xs, ys, (x, y) -> Probes.same(y, Activation.leakyRelu(x, alpha)))) {
            return null;
        }
        float[] g;
        try {
            g = Probes.gradientAt(manager, new float[] {1f, 0f, -1f}, f);
        } catch (RuntimeException e) {
            return null;
        }
        if (g == null || g[0] != 1f || g[2] != alpha || !Float.isFinite(g[1])) {
            return null;
        }
        return new QLeakyReLU(block, alpha, g[1]);
    }

    /** ELU's alpha from its saturation value {@code f(-1e6) = -alpha}, or null unless {@code f(1) = 1}. */
    private static Float eluAlpha(NDManager manager, Function<NDArray, NDArray> f) {
        try {
            float[] v = Probes.perPoint(f.apply(Probes.filled(manager, new float[] {-1e6f, 1f})), 2);
            if (v == null || v[1] != 1f) {
                return null;
            }
            float alpha = -v[0];
            return alpha > 0 && Float.isFinite(alpha) ? alpha : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Swish's beta from its value at 1 ({@code sigmoid(beta)}), rounded off the probe's noise. */
    private static Float swishBeta(NDManager manager, Function<NDArray, NDArray> f) {
        try {
            float[] v = Probes.perPoint(f.apply(Probes.filled(manager, new float[] {1f})), 1);
            if (v == null) {
                return null;
            }
            double atOne = v[0];
            if (!(atOne > 0 && atOne < 1)) {
                return null;
            }
            float beta = Math.round((float) Math.log(atOne / (1 - atOne)) * 1e4f) / 1e4f;
            return Float.isFinite(beta) ? beta : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
