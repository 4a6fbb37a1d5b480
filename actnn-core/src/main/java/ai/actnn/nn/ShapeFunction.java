package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.function.UnaryOperator;

/**
 * A one-input op whose backward needs only the input's shape (reshapes, average pooling): it saves
 * nothing.
 */
public final class ShapeFunction implements QFunction {

    /** Computes {@code dL/dx} from {@code dL/dy} and the input's shape. */
    @FunctionalInterface
    public interface Rule {
        /**
         * Applies the rule.
         *
         * @param grad dL/dy
         * @param inputShape the input's shape
         * @param manager the owner of the result
         * @return dL/dx
         */
        NDArray apply(NDArray grad, Shape inputShape, NDManager manager);
    }

    private final String name;
    private final UnaryOperator<NDArray> op;
    private final Rule rule;
    private Shape inputShape;

    /**
     * Creates the function of one call.
     *
     * @param name the op's name
     * @param op the forward (may return its input: a new handle is made then)
     * @param rule the backward
     */
    public ShapeFunction(String name, UnaryOperator<NDArray> op, Rule rule) {
        this.name = name;
        this.op = op;
        this.rule = rule;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        inputShape = x.getShape();
        NDArray y = op.apply(x);
        // A reshape to the same shape may return its input: the output needs a handle of its own.
        return new NDList(y == x ? x.stopGradient() : y);
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        return new NDList(rule.apply(gradOutputs.singletonOrThrow(), inputShape, ctx.getManager()));
    }
}
