package ai.actnn.convert;

import ai.actnn.layers.JoinKind;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
        UNKNOWN
    }

    private static final Shape[] PROBES = {new Shape(2, 3, 5, 7), new Shape(3, 4)};

    private FunctionProbe() {}

    /**
     * Classifies a parameterless single-input block.
     *
     * @param block the block (run in inference mode on the probes)
     * @return what it computes
     */
    static Unary classify(Block block) {
        Unary verdict = null;
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            for (Shape shape : PROBES) {
                NDArray x = manager.randomNormal(shape);
                NDList in = new NDList(x);
                NDList out = block.forward(ps, in, false, null);
                Unary v = Unary.UNKNOWN;
                if (out.size() == 1) {
                    NDArray y = out.get(0);
                    if (y == x || same(y, x)) {
                        v = Unary.IDENTITY;
                    } else if (same(y, x.getNDArrayInternal().relu())) {
                        v = Unary.RELU;
                    }
                }
                if (verdict != null && verdict != v) {
                    return Unary.UNKNOWN;
                }
                verdict = v;
            }
            return verdict;
        } catch (RuntimeException e) {
            return Unary.UNKNOWN;
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
        return a.getShape().equals(b.getShape()) && a.allClose(b, 1e-5, 1e-6, false);
    }
}
