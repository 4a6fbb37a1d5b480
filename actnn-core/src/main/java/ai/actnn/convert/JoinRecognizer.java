package ai.actnn.convert;

import ai.actnn.nn.Clipping;
import ai.actnn.nn.container.JoinKind;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises what the join of a {@code ParallelBlock} computes (DJL's ResNet joins with a private
 * lambda): a sum of the branches, optionally followed by ReLU or clipping, proven by exact
 * agreement on {@link Probes} of large magnitudes and by the join's gradient at the kinks.
 * Anything else is left to the generic recomputing join.
 */
final class JoinRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(JoinRecognizer.class);

    /**
     * What a join computes.
     *
     * @param kind the kind
     * @param clip the clipping of a clipped sum, else null
     */
    record Verdict(JoinKind kind, Clipping clip) {
        static final Verdict GENERIC = new Verdict(JoinKind.GENERIC, null);
    }

    private JoinRecognizer() {}

    /**
     * Classifies a join of {@code branches} single-array branches.
     *
     * @param join the join function
     * @param branches the number of branches
     * @return what it computes
     */
    static Verdict classify(Function<List<NDList>, NDList> join, int branches) {
        if (branches < 2) {
            return Verdict.GENERIC;
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
                    return Verdict.GENERIC;
                }
                inputs.add(in);
                sums.add(sum);
                outs.add(y);
            }
            if (allSame(outs, sums, sum -> sum)) {
                return new Verdict(JoinKind.ADD, null);
            }
            Function<NDArray, NDArray> first = firstBranch(join, branches);
            if (allSame(outs, sums, sum -> sum.getNDArrayInternal().relu())) {
                Clipping relu = Probes.clipping(manager, first, 0f, Float.POSITIVE_INFINITY);
                return relu == null ? Verdict.GENERIC : relu.isRelu() ? new Verdict(JoinKind.ADD_RELU, null) : new Verdict(JoinKind.ADD_CLIP, relu);
            }
            float[] ends = Probes.saturation(manager, first);
            if (ends != null && allSame(outs, sums, sum -> sum.clip(ends[0], ends[1]))) {
                Clipping clipping = Probes.clipping(manager, first, ends[0], ends[1]);
                return clipping != null ? new Verdict(JoinKind.ADD_CLIP, clipping) : Verdict.GENERIC;
            }
            return Verdict.GENERIC;
        } catch (RuntimeException e) {
            logger.debug("probing a join failed: it is recomputed", e);
            return Verdict.GENERIC;
        }
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
