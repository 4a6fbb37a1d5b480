package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * A one-input element-wise op whose input gradient follows from the output gradient and one saved
 * activation, its input or its output (tanh, sigmoid and softmax from the output; GELU and SiLU
 * exactly from the input). The saved activation is compressed at the step's level.
 */
public final class ElementwiseFunction implements QFunction {

    /** Computes {@code dL/dx} from {@code dL/dy} and the restored activation. */
    @FunctionalInterface
    public interface Rule {
        /**
         * Applies the rule.
         *
         * @param grad dL/dy
         * @param restored the saved activation, restored
         * @param manager the owner of the result
         * @return dL/dx
         */
        NDArray apply(NDArray grad, NDArray restored, NDManager manager);
    }

    private final String name;
    private final ActivationSite site;
    private final UnaryOperator<NDArray> op;
    private final Rule rule;
    private final boolean savesOutput;

    private ElementwiseFunction(String name, ActivationSite site, UnaryOperator<NDArray> op, Rule rule, boolean savesOutput) {
        this.name = name;
        this.site = site;
        this.op = op;
        this.rule = rule;
        this.savesOutput = savesOutput;
    }

    /**
     * An op whose backward reads its output (e.g. tanh: {@code dx = dy (1 - y^2)}). When the next
     * layer saves the same output, the store keeps it once.
     *
     * @param name the op's name
     * @param site where the output is saved
     * @param op the forward, returning a new array
     * @param rule the backward from the output
     * @return the function
     */
    public static ElementwiseFunction fromOutput(String name, ActivationSite site, UnaryOperator<NDArray> op, Rule rule) {
        return new ElementwiseFunction(name, site, op, rule, true);
    }

    /**
     * An op whose backward reads its input; with recomputation on, its output is declared
     * recomputable from that input, so the next layer saves nothing of its own.
     *
     * @param name the op's name
     * @param site where the input is saved
     * @param op the forward, returning a new array
     * @param rule the backward from the input
     * @return the function
     */
    public static ElementwiseFunction fromInput(String name, ActivationSite site, UnaryOperator<NDArray> op, Rule rule) {
        return new ElementwiseFunction(name, site, op, rule, false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = op.apply(x);
        if (savesOutput) {
            ctx.save(y, site);
        } else {
            ctx.save(x, site);
            if (ctx.recomputes()) {
                ctx.declareRecomputable(y, 0, op);
            }
        }
        return new NDList(y);
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        try (NDArray restored = ctx.restore(0)) {
            return new NDList(rule.apply(gradOutputs.singletonOrThrow(), restored, ctx.getManager()));
        }
    }
}
