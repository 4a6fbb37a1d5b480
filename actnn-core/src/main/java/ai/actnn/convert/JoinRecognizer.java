package ai.actnn.convert;

import ai.actnn.nn.Clipping;
import ai.actnn.nn.container.Join;
import ai.actnn.nn.container.JoinKind;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises what the join of a {@code ParallelBlock} computes (DJL's ResNet joins with a private
 * lambda): a concatenation along an axis, or a sum of the branches, optionally followed by ReLU or
 * clipping, proven by exact agreement on {@link Probes} of large magnitudes and by the join's
 * gradient at the kinks.
 * Anything else is left to the generic recomputing join.
 */
final class JoinRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(JoinRecognizer.class);

    private JoinRecognizer() {}

    /**
     * Classifies a join of {@code branches} single-array branches.
     *
     * @param join the join function
     * @param branches the number of branches
     * @return what it computes
     */
    static Join classify(Function<List<NDList>, NDList> join, int branches) {
        if (branches < 2) {
            return Join.of(JoinKind.GENERIC);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            List<List<NDArray>> inputs = new ArrayList<>();
            List<NDArray> sums = new ArrayList<>();
            List<NDArray> outs = new ArrayList<>();
            for (int s = 0; s < Probes.SHAPES.length; s++) {
                List<NDArray> in = new ArrayList<>(branches);
                NDArray sum = null;
                for (int b = 0; b < branches; b++) {
                    NDArray x = Probes.of(manager, Probes.SHAPES[s], 31 * b + s);
                    in.add(x);
                    sum = sum == null ? x : sum.add(x);
                }
                NDArray y = apply(join, in);
                if (y == null) {
                    return Join.of(JoinKind.GENERIC);
                }
                inputs.add(in);
                sums.add(sum);
                outs.add(y);
            }
            Integer axis = concatAxis(inputs, outs);
            if (axis != null) {
                return Join.concat(axis);
            }
            if (allSame(outs, sums, sum -> sum)) {
                return Join.of(JoinKind.ADD);
            }
            Function<NDArray, NDArray> first = firstBranch(join, branches);
            if (allSame(outs, sums, sum -> sum.getNDArrayInternal().relu())) {
                Clipping relu = Probes.clipping(manager, first, 0f, Float.POSITIVE_INFINITY);
                return relu == null ? Join.of(JoinKind.GENERIC) : relu.isRelu() ? Join.of(JoinKind.ADD_RELU) : Join.clippedSum(relu);
            }
            float[] ends = Probes.saturation(manager, first);
            if (ends != null && allSame(outs, sums, sum -> sum.clip(ends[0], ends[1]))) {
                Clipping clipping = Probes.clipping(manager, first, ends[0], ends[1]);
                return clipping != null ? Join.clippedSum(clipping) : Join.of(JoinKind.GENERIC);
            }
            return Join.of(JoinKind.GENERIC);
        } catch (RuntimeException e) {
            logger.debug("probing a join failed: it is recomputed", e);
            return Join.of(JoinKind.GENERIC);
        }
    }

    /** The axis along which the join concatenates its branches exactly, or null. */
    private static Integer concatAxis(List<List<NDArray>> inputs, List<NDArray> outs) {
        int rank = inputs.get(0).get(0).getShape().dimension();
        for (int axis = 0; axis < rank; axis++) {
            boolean all = true;
            for (int i = 0; i < outs.size() && all; i++) {
                int a = Math.min(axis, inputs.get(i).get(0).getShape().dimension() - 1);
                all = Probes.same(outs.get(i), NDArrays.concat(new NDList(inputs.get(i).toArray(new NDArray[0])), a));
            }
            if (all) {
                return axis == rank - 1 ? -1 : axis;
            }
        }
        return null;
    }

    private static NDArray apply(Function<List<NDList>, NDList> join, List<NDArray> branches) {
        List<NDList> in = new ArrayList<>(branches.size());
        for (NDArray b : branches) {
            in.add(new NDList(b));
        }
        NDList out = join.apply(in);
        return out.size() == 1 ? out.get(0) : null;
    }

    private static boolean allSame(List<NDArray> outs, List<NDArray> sums, Function<NDArray, NDArray> f) {
        for (int i = 0; i < outs.size(); i++) {
            if (!Probes.same(outs.get(i), f.apply(sums.get(i)))) {
                return false;
            }
        }
        return true;
    }

    /** The join as a function of its first branch, the others zero. */
    private static Function<NDArray, NDArray> firstBranch(Function<List<NDList>, NDList> join, int branches) {
        return x -> {
            List<NDArray> in = new ArrayList<>(branches);
            in.add(x);
            for (int b = 1; b < branches; b++) {
                in.add(x.zerosLike());
            }
            return apply(join, in);
        };
    }
}
