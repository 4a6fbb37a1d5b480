package ai.actnn.convert;

import ai.actnn.layers.JoinKind;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Recognises what an opaque function computes (an unnamed {@code LambdaBlock}, a {@code
 * ParallelBlock} join) by running it on random probes and comparing with known functions, as
 * DJL itself runs lambdas to infer their output shapes. DJL's ResNet, for example, builds its
 * ReLUs as unnamed method references and its joins as private lambdas.
 *
 * <p>A function that fails on the probes, or matches nothing, is reported as unknown and gets
 * the generic (recomputed) treatment, which is always correct.
 */
final class FunctionProbe {

    /** What a unary block computes. */
    enum Unary {
        IDENTITY,
        RELU,
        GELU,
        /** {@code x * sigmoid(beta * x)}; the parameter is beta. */
        SWISH,
        TANH,
        SIGMOID,
        /** A softmax; the parameter is the axis. */
        SOFTMAX,
        UNKNOWN
    }

    /** A verdict: what the block computes and its parameter (swish's beta, softmax's axis). */
    static final class Verdict {
        final Unary kind;
        final float parameter;

        Verdict(Unary kind, float parameter) {
            this.kind = kind;
            this.parameter = parameter;
        }

        static final Verdict UNKNOWN = new Verdict(Unary.UNKNOWN, 0);

        boolean sameAs(Verdict o) {
            return kind == o.kind && Float.compare(parameter, o.parameter) == 0;
        }
    }

    private static final Shape[] PROBES = {new Shape(2, 3, 5, 7), new Shape(3, 4)};
    private static final int[] SOFTMAX_AXES = {-1, 1};

    private FunctionProbe() {}

    /**
     * Classifies a parameterless single-input block.
     *
     * @param block the block (run in inference mode on the probes)
     * @return what it computes
     */
    static Verdict classify(Block block) {
        Verdict verdict = null;
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            for (Shape shape : PROBES) {
                NDArray x = manager.randomNormal(shape);
                // One element at exactly 1 reveals swish's beta: y(1) = sigmoid(beta).
                x.set(new ai.djl.ndarray.index.NDIndex(0), 1f);
                NDList out = block.forward(ps, new NDList(x), false, null);
                Verdict v = out.size() == 1 ? match(x, out.get(0)) : Verdict.UNKNOWN;
                if (verdict != null && !verdict.sameAs(v)) {
                    return Verdict.UNKNOWN;
                }
                verdict = v;
            }
            return verdict;
        } catch (RuntimeException e) {
            return Verdict.UNKNOWN;
        }
    }

    private static Verdict match(NDArray x, NDArray y) {
        if (y == x || same(y, x)) {
            return new Verdict(Unary.IDENTITY, 0);
        }
        NDArrayEx ex = x.getNDArrayInternal();
        if (same(y, ex.relu())) {
            return new Verdict(Unary.RELU, 0);
        }
        if (close(y, ex.gelu())) {
            return new Verdict(Unary.GELU, 0);
        }
        if (close(y, ex.tanh())) {
            return new Verdict(Unary.TANH, 0);
        }
        if (close(y, ex.sigmoid())) {
            return new Verdict(Unary.SIGMOID, 0);
        }
        for (int axis : SOFTMAX_AXES) {
            if (close(y, x.softmax(axis))) {
                return new Verdict(Unary.SOFTMAX, axis);
            }
        }
        if (y.getShape().equals(x.getShape())) {
            double atOne = y.toFloatArray()[0];
            if (atOne > 0 && atOne < 1) {
                float beta = (float) Math.log(atOne / (1 - atOne));
                if (Float.isFinite(beta) && close(y, ai.djl.nn.Activation.swish(x, beta))) {
                    // Round away the probe's noise so equal betas compare equal.
                    return new Verdict(Unary.SWISH, Math.round(beta * 1e4f) / 1e4f);
                }
            }
        }
        return Verdict.UNKNOWN;
    }

    /**
     * Classifies a join of {@code branches} single-array branches.
     *
     * @param join the join function
     * @param branches the number of branches
     * @return what it computes
     */
    static JoinKind classifyJoin(Function<List<NDList>, NDList> join, int branches) {
        if (branches < 2) {
            return JoinKind.GENERIC;
        }
        JoinKind verdict = null;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Shape shape : PROBES) {
                List<NDList> in = new ArrayList<>(branches);
                NDArray sum = null;
                for (int i = 0; i < branches; i++) {
                    NDArray b = manager.randomNormal(shape);
                    in.add(new NDList(b));
                    sum = sum == null ? b : sum.add(b);
                }
                NDList out = join.apply(in);
                JoinKind v = JoinKind.GENERIC;
                if (out.size() == 1) {
                    NDArray y = out.get(0);
                    if (close(y, sum)) {
                        v = JoinKind.ADD;
                    } else if (close(y, sum.getNDArrayInternal().relu())) {
                        v = JoinKind.ADD_RELU;
                    }
                }
                if (verdict != null && verdict != v) {
                    return JoinKind.GENERIC;
                }
                verdict = v;
            }
            return verdict;
        } catch (RuntimeException e) {
            return JoinKind.GENERIC;
        }
    }

    private static boolean same(NDArray a, NDArray b) {
        return a.getShape().equals(b.getShape())
                && a.getDataType() == b.getDataType()
                && a.contentEquals(b);
    }

    private static boolean close(NDArray a, NDArray b) {
        return a.getShape().equals(b.getShape())
                && a.getDataType() == b.getDataType()
                && a.allClose(b, 1e-5, 1e-6, false);
    }
}
