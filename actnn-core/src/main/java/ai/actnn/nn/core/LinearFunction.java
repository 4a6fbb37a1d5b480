package ai.actnn.nn.core;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;

/**
 * {@code y = x W^T + b} for inputs of any rank {@code [..., in]}, with a compressed saved input.
 * Parameters: the weight, then the bias if any. Backward: {@code dx = dy W}, {@code dW = dy^T x}
 * and {@code db = sum(dy)} over all leading axes (ActNN flattens the gradients of rank > 2 inputs
 * wrongly; this keeps their shape).
 */
public final class LinearFunction implements QFunction {

    private final ActivationSite site;
    private boolean savedInput;

    /**
     * Creates the function of one call.
     *
     * @param site where the input is saved
     */
    public LinearFunction(ActivationSite site) {
        this.site = site;
    }

    @Override
    public String name() {
        return "QLinear";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        savedInput = ctx.needsParameterGradient(0);
        if (savedInput) {
            ctx.save(x, site);
        }
        NDArray bias = ctx.parameterCount() > 1 ? ctx.parameter(1) : null;
        return Linear.linear(x, ctx.parameter(0), bias);
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray grad = gradOutputs.singletonOrThrow();
        NDArray weight = ctx.parameter(0);
        boolean hasBias = ctx.parameterCount() > 1;
        long units = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        NDArray dx = ctx.needsInputGradient(0) ? grad.matMul(weight) : null;
        NDArray dw = null;
        NDArray db = null;
        if (ctx.needsParameterGradient(0) || (hasBias && ctx.needsParameterGradient(1))) {
            try (NDArray g2 = grad.reshape(-1, units)) {
                if (ctx.needsParameterGradient(0)) {
                    try (NDArray x = ctx.restore(0);
                            NDArray x2 = x.reshape(-1, in);
                            NDArray gt = g2.transpose()) {
                        dw = gt.matMul(x2);
                    }
                }
                if (hasBias && ctx.needsParameterGradient(1)) {
                    db = g2.sum(new int[] {0});
                }
            }
        }
        NDList result = new NDList(dx, dw);
        if (hasBias) {
            result.add(db);
        }
        return result;
    }
}
