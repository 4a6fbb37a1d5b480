package ai.actnn.nn.core;

import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.policy.BitPolicy;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The backward of an arbitrary function by recomputation: the forward runs without autograd and
 * saves its (compressed) inputs; the backward restores them, re-runs the function under autograd
 * and differentiates it. This is how blocks without a dedicated Q-layer (lambdas, user blocks,
 * unrecognised joins) still get compressed inputs and correct gradients.
 *
 * <p>Re-running must reproduce the forward: random ops are replayed from the same seed (PyTorch's
 * global generator is seeded before both runs) and state that the forward updates (parameters
 * that need no gradient, such as running statistics) is restored after the re-run, so it changes
 * exactly once per step.
 */
public final class Recomputation {

    private Recomputation() {}

    /**
     * Runs {@code function} without autograd, saves its inputs and records its recomputed
     * backward.
     *
     * @param tape the step's tape
     * @param name the op's name for messages
     * @param site where the inputs are saved
     * @param function the function (a block's forward or a join)
     * @param inputs its inputs
     * @param state parameters the function may update in place (restored after the re-run)
     * @return its outputs
     */
    public static NDList forward(
            Tape tape,
            String name,
            ActivationSite site,
            Function<NDList, NDList> function,
            NDList inputs,
            List<Parameter> state) {
        long seed = tape.store().nextKey();
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            JniUtils.setSeed(seed);
            out = function.apply(inputs);
        }
        NDList distinct = new NDList(out.size());
        for (NDArray o : out) {
            // An output that is an input (a pass-through) must be a handle of its own.
            distinct.add(contains(inputs, o) ? o.stopGradient() : o);
        }
        SavedActivation[] saved = new SavedActivation[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            NDArray x = inputs.get(i);
            saved[i] = x.getDataType().isFloating() ? tape.store().save(x, site) : tape.store().saveExact(x);
        }
        tape.record(new Op(name, site, function, saved, seed, state), inputs, distinct);
        return distinct;
    }

    private static boolean contains(NDList list, NDArray array) {
        for (NDArray a : list) {
            if (a == array) {
                return true;
            }
        }
        return false;
    }

    /** The recorded recomputation. */
    private static final class Op implements CompressedOp {
        private final String name;
        private final ActivationSite site;
        private final Function<NDList, NDList> function;
        private final SavedActivation[] saved;
        private final long seed;
        private final List<Parameter> state;

        Op(
                String name,
                ActivationSite site,
                Function<NDList, NDList> function,
                SavedActivation[] saved,
                long seed,
                List<Parameter> state) {
            this.name = name;
            this.site = site;
            this.function = function;
            this.saved = saved;
            this.seed = seed;
            this.state = state;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDManager manager = ctx.getManager();
            NDList restored = new NDList(saved.length);
            List<NDArray> snapshots = new ArrayList<>(state.size());
            NDList out = null;
            try {
                for (int i = 0; i < saved.length; i++) {
                    NDArray x = saved[i].restore(manager);
                    if (x.getDataType().isFloating()) {
                        x.setRequiresGradient(true);
                    }
                    restored.add(x);
                }
                for (Parameter p : state) {
                    snapshots.add(p.getArray().duplicate());
                }
                NDList inputs = restored;
                try (GradMode on = GradMode.enabled()) {
                    JniUtils.setSeed(seed);
                    out = Tape.withoutTape(() -> function.apply(inputs));
                }
                for (int i = 0; i < state.size(); i++) {
                    NativeOps.copyInto(state.get(i).getArray(), snapshots.get(i));
                }
                differentiate(out, gradOutputs);
                NDList dx = new NDList(saved.length);
                NDArray firstGradient = null;
                for (int i = 0; i < saved.length; i++) {
                    NDArray x = restored.get(i);
                    NDArray g =
                            ctx.needsInputGradient(i) && x.getDataType().isFloating()
                                    ? JniUtils.getGradient(NativeOps.ptArray(x))
                                    : null;
                    dx.add(g != null ? g : ctx.needsInputGradient(i) ? zerosLike(x, manager) : null);
                    if (firstGradient == null && g != null) {
                        firstGradient = g;
                    }
                }
                BitPolicy.report(ctx.getPolicy(), site, gradOutputs.get(0), firstGradient);
                return dx;
            } finally {
                restored.close();
                for (NDArray s : snapshots) {
                    s.close();
                }
                if (out != null) {
                    out.close();
                }
            }
        }

        private static NDArray zerosLike(NDArray x, NDManager manager) {
            return manager.zeros(x.getShape(), x.getDataType(), x.getDevice());
        }

        private static void differentiate(NDList out, NDList gradOutputs) {
            boolean[] inAutograd = NativeOps.requiresGrad(out.toArray(new NDArray[0]));
            int last = -1;
            for (int j = 0; j < out.size(); j++) {
                if (inAutograd[j] && out.get(j).getDataType().isFloating()) {
                    last = j;
                }
            }
            for (int j = 0; j <= last; j++) {
                NDArray y = out.get(j);
                if (inAutograd[j] && y.getDataType().isFloating()) {
                    JniUtils.backward(
                            NativeOps.ptArray(y), NativeOps.ptArray(gradOutputs.get(j)), j < last, false);
                }
            }
        }

        @Override
        public void close() {
            for (SavedActivation s : saved) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
