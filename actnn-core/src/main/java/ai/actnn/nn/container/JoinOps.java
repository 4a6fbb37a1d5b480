package ai.actnn.nn.container;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.core.RecomputeFunction;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDList;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/** The recorded joins of {@link QParallel}: one per {@link JoinKind}. */
final class JoinOps {

    private JoinOps() {}

    /**
     * Joins the branch outputs and records the join's backward.
     *
     * @param tape the step's tape
     * @param kind what the join computes
     * @param join the join function itself (for {@link JoinKind#GENERIC})
     * @param site where a generic join saves its inputs
     * @param branches the branch outputs
     * @param reuseFirst whether a sum may be accumulated into the first branch's array (it is a
     *     Q-op output that nothing but this join uses)
     * @return the joined output
     */
    static NDList forward(
            Tape tape,
            Join kind,
            Function<List<NDList>, NDList> join,
            ActivationSite site,
            List<NDList> branches,
            boolean reuseFirst) {
        NDList flat = new NDList();
        for (NDList b : branches) {
            flat.addAll(b);
        }
        switch (kind.kind()) {
            case ADD:
                return tape.apply(new SumFunction(false, null, reuseFirst), flat);
            case ADD_RELU:
                return tape.apply(new SumFunction(true, null, reuseFirst), flat);
            case ADD_CLIP:
                return tape.apply(new SumFunction(false, kind.clip(), reuseFirst), flat);
            case CONCAT:
                return tape.apply(new ConcatFunction(kind.axis()), flat);
            case GENERIC:
            default:
                int[] sizes = branches.stream().mapToInt(NDList::size).toArray();
                return tape.apply(
                        new RecomputeFunction("QParallel.join", site, in -> join.apply(unflatten(in, sizes)), Collections.emptyList()),
                        flat);
        }
    }

    private static List<NDList> unflatten(NDList flat, int[] sizes) {
        List<NDList> out = new ArrayList<>(sizes.length);
        int k = 0;
        for (int size : sizes) {
            NDList b = new NDList(size);
            for (int i = 0; i < size; i++) {
                b.add(flat.get(k++));
            }
            out.add(b);
        }
        return out;
    }

}
