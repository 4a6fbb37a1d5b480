package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.nn.ElementwiseFunction;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * A smooth activation whose derivative is not a function of its output (GELU, SiLU). At
 * compressing levels it keeps a few-bit code of each input's interval and the backward multiplies
 * the gradient by the interval's constant derivative ({@code bits} bits per element instead of the
 * input); without compression, or when outputs are recomputed, it keeps the input and the backward
 * is exact.
 */
final class SmoothActivationFunction implements QFunction {

    private final String name;
    private final ActivationSite site;
    private final UnaryOperator<NDArray> op;
    private final ElementwiseFunction.Rule exact;
    private final IntFunction<DerivativeTable> tables;
    private final float scale;
    private boolean coded;

    SmoothActivationFunction(
            String name,
            ActivationSite site,
            UnaryOperator<NDArray> op,
            ElementwiseFunction.Rule exact,
            IntFunction<DerivativeTable> tables,
            float scale) {
        this.name = name;
        this.site = site;
        this.op = op;
        this.exact = exact;
        this.tables = tables;
        this.scale = scale;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = op.apply(x);
        coded = ctx.compresses(x, site) && !ctx.recomputes();
        if (coded) {
            ctx.saveCodes(x, tables.apply(Math.max(2, ctx.configuredBits(site))).codeTable(), scale);
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
        NDArray grad = gradOutputs.singletonOrThrow();
        if (coded) {
            return new NDList(ctx.applyCodes(0, grad));
        }
        try (NDArray x = ctx.restore(0)) {
            return new NDList(exact.apply(grad, x, ctx.getManager()));
        }
    }
}
