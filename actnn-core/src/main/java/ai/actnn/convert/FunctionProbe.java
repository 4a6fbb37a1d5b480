package ai.actnn.convert;

import ai.actnn.nn.container.JoinKind;
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
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            List<NDArray> xs = new ArrayList<>(PROBES.length);
            List<NDArray> ys = new ArrayList<>(PROBES.length);
            for (Shape shape : PROBES) {
                NDArray x = manager.randomNormal(shape);
                // Elements at exactly 1 reveal swish's beta: y(1) = sigmoid(beta).
                x.set(new ai.djl.ndarray.index.NDIndex(0), 1f);
                NDList out = block.forward(ps, new NDList(x), false, null);
                if (out.size() != 1) {
                    return Verdict.UNKNOWN;
                }
                xs.add(x);
                ys.add(out.get(0));
            }
            // Every candidate must match on every probe (a softmax over axis 1 equals one over
            // the last axis on a matrix, not on a 4-D probe).
            for (Verdict candidate : candidates(xs.get(0), ys.get(0))) {
                boolean all = true;
                for (int i = 0; i < xs.size() && all; i++) {
                    all = matches(candidate, xs.get(i), ys.get(i));
                }
                if (all) {
                    return candidate;
                }
            }
            return Verdict.UNKNOWN;
        } catch (RuntimeException e) {
            return Verdict.UNKNOWN;
        }
    }

    private static List<Verdict> candidates(NDArray x, NDArray y) {
        List<Verdict> out = new ArrayList<>();
        for (Unary kind : new Unary[] {Unary.IDENTITY, Unary.RELU, Unary.GELU, Unary.TANH, Unary.SIGMOID}) {
            out.add(new Verdict(kind, 0));
        }
        for (int axis : SOFTMAX_AXES) {
            out.add(new Verdict(Unary.SOFTMAX, axis));
        }
        if (y.getShape().equals(x.getShape())) {
            double atOne = y.toFloatArray()[0];
            if (atOne > 0 && atOne < 1) {
                // Rounded away from the probe's noise so that beta 1 is exactly 1.
                float beta = Math.round((float) Math.log(atOne / (1 - atOne)) * 1e4f) / 1e4f;
                if (Float.isFinite(beta)) {
                    out.add(new Verdict(Unary.SWISH, beta));
                }
            }
        }
        return out;
    }

    private static boolean matches(Verdict v, NDArray x, NDArray y) {
        NDArrayEx ex = x.getNDArrayInternal();
        switch (v.kind) {
            case IDENTITY:
                return y == x || same(y, x);
            case RELU:
                return same(y, ex.relu());
            case GELU:
                return close(y, ex.gelu());
            case TANH:
                return close(y, ex.tanh());
            case SIGMOID:
                return close(y, ex.sigmoid());
            case SOFTMAX:
                return close(y, x.softmax((int) v.parameter));
            case SWISH:
                return close(y, ai.djl.nn.Activation.swish(x, v.parameter), 1e-4);
            default:
                return false;
        }
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
        return close(a, b, 1e-5);
    }

    private static boolean close(NDArray a, NDArray b, double rtol) {
        return a.getShape().equals(b.getShape())
                && a.getDataType() == b.getDataType()
                && a.allClose(b, rtol, 1e-6, false);
    }
}
