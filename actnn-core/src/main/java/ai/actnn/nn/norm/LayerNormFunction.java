package ai.actnn.nn.norm;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.NormOps;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Layer normalisation with a compressed saved input. Parameters: gamma, beta. The forward is
 * PyTorch's {@code native_layer_norm} on the exact input (the same kernel as DJL's); it saves the
 * compressed input plus, exactly, the per-row mean and reciprocal standard deviation, and the
 * backward is {@code native_layer_norm_backward} at the restored input. With recomputation on,
 * the output is declared recomputable from the saved input and statistics.
 */
final class LayerNormFunction implements QFunction {

    private final ActivationSite site;
    private final Shape normalized;
    private final float epsilon;

    LayerNormFunction(ActivationSite site, Shape normalized, float epsilon) {
        this.site = site;
        this.normalized = normalized;
        this.epsilon = epsilon;
    }

    @Override
    public String name() {
        return "QLayerNorm";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        NDArray gamma = ctx.parameter(0);
        NDArray beta = ctx.parameter(1);
        NDList r = NormOps.layerNormForward(x, normalized, gamma, beta, epsilon, x.getManager());
        NDArray y = r.get(0);
        NDArray mean = r.get(1);
        NDArray rstd = r.get(2);
        ctx.save(x, site);
        ctx.saveExact(mean);
        ctx.saveExact(rstd);
        if (ctx.recomputes()) {
            ctx.declareRecomputable(y, 0, in -> normalize(in, mean, rstd, gamma, beta));
        }
        return new NDList(y);
    }

    /** The forward from saved statistics: {@code (x - mean) * rstd * gamma + beta}. */
    private static NDArray normalize(NDArray x, NDArray mean, NDArray rstd, NDArray gamma, NDArray beta) {
        NDArray y = x.sub(mean);
        y.muli(rstd).muli(gamma).addi(beta);
        if (y.getDataType() == x.getDataType()) {
            return y;
        }
        NDArray c = y.toType(x.getDataType(), false);
        y.close();
        return c;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray grad = gradOutputs.singletonOrThrow();
        boolean[] need = {ctx.needsInputGradient(0), ctx.needsParameterGradient(0), ctx.needsParameterGradient(1)};
        NDList r;
        try (NDArray x = ctx.restore(0);
                NDArray mean = ctx.restore(1);
                NDArray rstd = ctx.restore(2)) {
            r = NormOps.layerNormBackward(
                    grad, x, normalized, mean, rstd, ctx.parameter(0), ctx.parameter(1), need, ctx.getManager());
        }
        return new NDList(need[0] ? r.get(0) : null, need[1] ? r.get(1) : null, need[2] ? r.get(2) : null);
    }
}
