package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.Autograd;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.function.UnaryOperator;

/**
 * An element-wise function that no dedicated Q-layer matches (softPlus, softSign, mish, {@code
 * x * tanh(x)}, {@code sin(x)}, ...), which the converter has verified to compute each output
 * element from the same input element alone. Its forward also computes the derivative {@code
 * f'(x)} (one autograd pass through {@code f}) and keeps that, compressed at the level's bits,
 * instead of the input; the backward is {@code dy * f'(x)}.
 *
 * <p>Why the derivative: the input gradient is linear in it, so stochastic rounding keeps the
 * gradient unbiased whatever {@code f} is, where re-running {@code f} on a rounded input (the
 * generic path) is biased for every non-linear {@code f} and badly so for fast-varying ones (a
 * 2-bit input of a sine moves it by radians). The memory is the same as keeping the input, and
 * the backward runs nothing of {@code f}. Without compression the derivative is exact, so the
 * gradient equals autograd's up to the rounding of one product.
 */
public final class QElementwise extends QLayer {

    /**
     * Wraps a block verified to compute an element-wise function.
     *
     * @param block the block (parameterless, one input, one output of the input's shape)
     */
    public QElementwise(Block block) {
        super(block);
        this.site = new ActivationSite(displayName(), ActivationSite.Kind.OTHER, 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(
                new Function(displayName(), site, x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow()),
                inputs);
    }

    @Override
    public String displayName() {
        return "QElementwise(" + (original instanceof LambdaBlock l ? l.getName() : original.getClass().getSimpleName()) + ")";
    }

    /** The op: {@code f} and its derivative by autograd in the forward; {@code dy * f'} in the backward. */
    private static final class Function implements QFunction {

        private final String name;
        private final ActivationSite site;
        private final UnaryOperator<NDArray> f;

        Function(String name, ActivationSite site, UnaryOperator<NDArray> f) {
            this.name = name;
            this.site = site;
            this.f = f;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public NDList forward(ForwardContext ctx, NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            if (!x.getDataType().isFloating()) {
                throw new IllegalArgumentException(name + " differentiates floating-point inputs, got " + x.getDataType());
            }
            NDArray out;
            NDArray derivative;
            try (NDManager scope = x.getManager().newSubManager()) {
                NDArray leaf = x.stopGradient();
                leaf.attach(scope);
                leaf.setRequiresGradient(true);
                NDArray y;
                try (GradMode on = GradMode.enabled()) {
                    y = Tape.withoutTape(() -> f.apply(leaf));
                }
                if (!y.getShape().equals(x.getShape())) {
                    throw new IllegalStateException(
                            name + " was verified to be element-wise but returned " + y.getShape() + " for " + x.getShape());
                }
                if (Autograd.requiresGrad(y)[0]) {
                    try (NDArray ones = scope.ones(y.getShape(), y.getDataType(), y.getDevice())) {
                        Autograd.backward(y, ones, false);
                    }
                }
                NDArray g = Autograd.gradientOrNull(leaf);
                derivative = g != null ? g : scope.zeros(x.getShape(), x.getDataType(), x.getDevice());
                derivative.attach(scope);
                out = y.stopGradient();
                out.attach(x.getManager());
                ctx.save(derivative, site);
            }
            return new NDList(out);
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            try (NDArray derivative = ctx.restore(0)) {
                NDArray dx = gradOutputs.singletonOrThrow().mul(derivative);
                dx.attach(ctx.getManager());
                return new NDList(dx);
            }
        }
    }
}
