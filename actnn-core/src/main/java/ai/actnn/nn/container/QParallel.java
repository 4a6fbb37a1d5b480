package ai.actnn.nn.container;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QBlock;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * DJL's {@link ParallelBlock} (ResNet's residual units) with Q-layer branches and a recorded
 * join: a sum or ResNet's ReLU-of-sum get exact compact backwards (nothing, or one bit per
 * element), any other join is recomputed from compressed branch outputs. Branch outputs are
 * closed once joined. Saves the same parameter stream as a {@link ParallelBlock}.
 */
public class QParallel extends ParallelBlock implements QBlock {

    private final Function<List<NDList>, NDList> join;
    private final Join kind;
    private final ActivationSite site;

    /**
     * Creates a parallel block.
     *
     * @param join the join function
     * @param kind what the join computes (from probing it)
     * @param branches the (converted) branches
     */
    public QParallel(Function<List<NDList>, NDList> join, Join kind, List<Block> branches) {
        super(join);
        for (Block branch : branches) {
            addChildBlock(Intermediates.displayName(branch), branch);
        }
        this.join = join;
        this.kind = kind;
        this.site = new ActivationSite("QParallel.join", ActivationSite.Kind.OTHER, 1);
    }

    /**
     * Creates the Q version of a parallel block, keeping its input shapes.
     *
     * @param original the block
     * @param join its join function
     * @param kind what the join computes
     * @param branches its branches, converted
     */
    public QParallel(
            ParallelBlock original,
            Function<List<NDList>, NDList> join,
            Join kind,
            List<Block> branches) {
        this(join, kind, branches);
        if (original.isInitialized()) {
            inputShapes = original.getInputShapes();
        }
    }

    /**
     * Returns what the join computes.
     *
     * @return the join kind
     */
    public JoinKind getJoinKind() {
        return kind.kind();
    }

    /**
     * Returns what the join computes, with its clipping or axis.
     *
     * @return the join
     */
    public Join getJoin() {
        return kind;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        Tape tape = training ? Tape.current() : null;
        if (tape == null) {
            return super.forwardInternal(parameterStore, inputs, training, params);
        }
        return forwardJoined(tape, inputs, child -> child.forward(parameterStore, inputs, true, params));
    }

    /**
     * The forward with labels that DJL's trainer uses: the same recorded join.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList data,
            NDList labels,
            PairList<String, Object> params) {
        Tape tape = Tape.current();
        if (tape == null) {
            return super.forwardInternal(parameterStore, data, labels, params);
        }
        return forwardJoined(tape, data, child -> child.forward(parameterStore, data, labels, params));
    }

    /**
     * Returns whether the join may overwrite the first branch's output: a single array produced
     * by a Q-op inside the branch (not the block's input passed through), not also returned by
     * another branch.
     */
    private static boolean firstBranchReusable(Tape tape, NDList inputs, List<NDList> branches) {
        if (branches.isEmpty() || branches.get(0).size() != 1) {
            return false;
        }
        NDArray first = branches.get(0).get(0);
        if (!tape.holds(first) || Intermediates.containsSame(inputs, first)) {
            return false;
        }
        for (int b = 1; b < branches.size(); b++) {
            if (Intermediates.containsSame(branches.get(b), first)) {
                return false;
            }
        }
        return true;
    }

    private NDList forwardJoined(Tape tape, NDList inputs, Function<Block, NDList> call) {
        // The inputs the caller donated (its own arrays among them are not).
        NDList given = Intermediates.owned(inputs, inputs, tape.takeDonations(inputs));
        List<NDList> branches = new ArrayList<>(children.size());
        int last = children.size() - 1;
        for (Block child : children.values()) {
            if (branches.size() < last || given.isEmpty()) {
                branches.add(call.apply(child));
                continue;
            }
            // Donated inputs that no earlier branch returned are needed by the last branch only:
            // it may release them once consumed (a projection shortcut's input, before its batch
            // norm), and what it leaves goes before the join.
            NDList passOn = Intermediates.notIn(given, branches);
            branches.add(Intermediates.callDonating(tape, passOn, () -> call.apply(child)));
            Intermediates.release(tape, passOn, branches);
        }
        NDList out = JoinOps.forward(tape, kind, join, site, branches, firstBranchReusable(tape, inputs, branches));
        for (NDList branch : branches) {
            Intermediates.release(tape, branch, Arrays.asList(out, inputs));
        }
        return out;
    }
}
