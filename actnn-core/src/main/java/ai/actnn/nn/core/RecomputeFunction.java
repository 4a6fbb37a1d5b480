package ai.actnn.nn.core;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.Autograd;
import ai.actnn.internal.TensorOps;
import ai.actnn.nn.Intermediates;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The backward of an arbitrary function by recomputation: the forward runs it without autograd
 * and saves its inputs (compressed where the level compresses them); the backward restores them,
 * re-runs the function under autograd and differentiates it. This is how blocks without a
 * dedicated Q-layer (lambdas, user blocks, unrecognised joins) still get compressed inputs and
 * correct gradients; parameters of the function get their gradients from that autograd backward.
 *
 * <p>Re-running must reproduce the forward: when the forward draws from PyTorch's random generator,
 * the state it started from is kept, and the re-run replays from it and then puts back the
 * generator's current state, so random ops draw the same numbers and the user's random stream ends
 * as it would without ActNN. State that the forward updates in place (parameters that need no gradient,
 * such as running statistics) is restored after the re-run, so it changes exactly once per step.
 */
public final class RecomputeFunction implements QFunction {

    private final String name;
    private final ActivationSite site;
    private final UnaryOperator<NDList> function;
    private final List<Parameter> state;
    private int inputCount;

    /**
     * Creates the function of one call.
     *
     * @param name the op's name for messages
     * @param site where the inputs are saved
     * @param function the function (a block's forward or a join); runs with or without autograd
     * @param state parameters the function may update in place (restored after the re-run)
     */
    public RecomputeFunction(String name, ActivationSite site, UnaryOperator<NDList> function, List<Parameter> state) {
        this.name = name;
        this.site = site;
        this.function = function;
        this.state = state;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        inputCount = inputs.size();
        NDList out = ctx.runReplayable(() -> function.apply(inputs));
        NDList distinct = new NDList(out.size());
        for (NDArray o : out) {
            // An output that is an input (a pass-through) must be a handle of its own.
            distinct.add(Intermediates.containsSame(inputs, o) ? o.stopGradient() : o);
        }
        for (NDArray x : inputs) {
            ctx.save(x, site);
        }
        return distinct;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDManager manager = ctx.getManager();
        NDList restored = new NDList(inputCount);
        for (int i = 0; i < inputCount; i++) {
            NDArray x = ctx.restore(i);
            if (x.getDataType().isFloating()) {
                x.setRequiresGradient(true);
            }
            restored.add(x);
        }
        List<NDArray> snapshots = new ArrayList<>(state.size());
        for (Parameter p : state) {
            NDArray copy = p.getArray().duplicate();
            copy.attach(manager);
            snapshots.add(copy);
        }
        NDList out = ctx.replay(() -> {
            try (GradMode on = GradMode.enabled()) {
                return Tape.withoutTape(() -> function.apply(restored));
            }
        });
        out.attach(manager);
        differentiate(out, gradOutputs);
        // After the backward: the re-run's graph may have saved the state it updated in place.
        for (int i = 0; i < state.size(); i++) {
            TensorOps.copyInto(state.get(i).getArray(), snapshots.get(i));
        }
        NDList dx = new NDList(inputCount);
        for (int i = 0; i < inputCount; i++) {
            NDArray x = restored.get(i);
            NDArray g = ctx.needsInputGradient(i) && x.getDataType().isFloating() ? Autograd.gradientOrNull(x) : null;
            if (g == null && ctx.needsInputGradient(i)) {
                g = manager.zeros(x.getShape(), x.getDataType(), x.getDevice());
            }
            dx.add(g);
        }
        return dx;
    }

    /** Runs autograd's backward from every output that took part in autograd. */
    private static void differentiate(NDList out, NDList gradOutputs) {
        boolean[] inAutograd = Autograd.requiresGrad(out.toArray(new NDArray[0]));
        int last = -1;
        for (int j = 0; j < out.size(); j++) {
            if (inAutograd[j] && out.get(j).getDataType().isFloating()) {
                last = j;
            }
        }
        for (int j = 0; j <= last; j++) {
            NDArray y = out.get(j);
            if (inAutograd[j] && y.getDataType().isFloating()) {
                Autograd.backward(y, gradOutputs.get(j), j < last);
            }
        }
    }
}
