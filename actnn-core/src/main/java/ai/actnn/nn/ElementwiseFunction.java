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
 * A one-input element-wise op whose input gradient follows from the output gradient and its
 * output (tanh, sigmoid, softmax). The output is saved compressed at the step's level; when the
 * next layer saves the same output, the store keeps it once, so the op costs no memory of its own.
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

    private ElementwiseFunction(String name, ActivationSite site, UnaryOperator<NDArray> op, Rule rule) {
        this.name = name;
        this.site = site;
        this.op = op;
        this.rule = rule;
    }

    /**
     * An op whose backward reads its output (e.g. tanh: {@code dx = dy (1 - y^2)}).
     *
     * @param name the op's name
     * @param site where the output is saved
     * @param op the forward, returning a new array
     * @param rule the backward from the output
     * @return the function
     */
    public static ElementwiseFunction fromOutput(String name, ActivationSite site, UnaryOperator<NDArray> op, Rule rule) {
        return new ElementwiseFunction(name, site, op, rule);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = op.apply(x);
        ctx.save(y, site);
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
