package ai.actnn.nn.container;

import ai.actnn.nn.core.Recomputation;

import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.QuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

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
            JoinKind kind,
            Function<List<NDList>, NDList> join,
            ActivationSite site,
            List<NDList> branches,
            boolean reuseFirst) {
        NDList flat = new NDList();
        for (NDList b : branches) {
            flat.addAll(b);
        }
        switch (kind) {
            case ADD:
                return sum(tape, flat, false, reuseFirst);
            case ADD_RELU:
                return sum(tape, flat, true, reuseFirst);
            case GENERIC:
            default:
                int[] sizes = branches.stream().mapToInt(NDList::size).toArray();
                return Recomputation.forward(
                        tape,
                        "QParallel.join",
                        site,
                        in -> join.apply(unflatten(in, sizes)),
                        flat,
                        Collections.emptyList());
        }
    }

    private static List<NDList> unflatten(NDList flat, int[] sizes) {
        List<NDList> out = new java.util.ArrayList<>(sizes.length);
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

    private static NDList sum(Tape tape, NDList inputs, boolean relu, boolean reuseFirst) {
        NDArray y;
        PackedMask mask = null;
        QuantizerBackend backend = tape.store().backendFor(inputs.get(0));
        try (GradMode off = GradMode.disabled()) {
            if (reuseFirst) {
                // Accumulate into the first branch's output: one full-precision tensor less at
                // the forward's peak (the unit input and both branch outputs are alive here).
                y = inputs.get(0);
                for (int i = 1; i < inputs.size(); i++) {
                    y.addi(inputs.get(i));
                }
            } else {
                y = inputs.get(0).add(inputs.get(1));
                for (int i = 2; i < inputs.size(); i++) {
                    NDArray next = y.add(inputs.get(i));
                    y.close();
                    y = next;
                }
            }
            if (relu) {
                mask = backend.packPositive(y, tape.getManager());
                if (reuseFirst) {
                    NativeOps.reluInPlace(y);
                } else {
                    NDArray r = y.getNDArrayInternal().relu();
                    y.close();
                    y = r;
                }
            }
            if (reuseFirst) {
                // The output needs a handle of its own: the tape maps arrays to the ops that
                // produced them, and the branch output's handle is released after the join.
                y = y.stopGradient();
            }
        }
        NDList out = new NDList(y);
        tape.record(new SumOp(backend, mask, inputs.size()), inputs, out);
        return out;
    }

    /** Backward of a sum (with an optional ReLU): every input gets the (masked) gradient. */
    private static final class SumOp implements CompressedOp {
        private final QuantizerBackend backend;
        private final PackedMask mask;
        private final int inputs;

        SumOp(QuantizerBackend backend, PackedMask mask, int inputs) {
            this.backend = backend;
            this.mask = mask;
            this.inputs = inputs;
        }

        @Override
        public String name() {
            return mask == null ? "QParallel.add" : "QParallel.addRelu";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDArray g = gradOutputs.singletonOrThrow();
            NDArray masked = mask == null ? g : backend.applyMask(g, mask, 1f, ctx.getManager());
            NDList dx = new NDList(inputs);
            for (int i = 0; i < inputs; i++) {
                // The same array for every input: the tape routes aliases safely.
                dx.add(ctx.needsInputGradient(i) ? masked : null);
            }
            return dx;
        }

        @Override
        public void close() {
            if (mask != null) {
                mask.close();
            }
        }
    }
}
