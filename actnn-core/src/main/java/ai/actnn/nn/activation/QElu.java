package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.ActivationOps;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.actnn.quant.MaskCodec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ELU {@code y = x > 0 ? x : alpha * (exp(x) - 1)} (DJL's {@code Activation.eluBlock(alpha)}) and
 * SELU (its scaled form, {@code Activation.seluBlock()}), or a block proven to compute them.
 *
 * <p>The derivative is {@code scale} for {@code x > 0} and {@code y + alpha * scale} (times the
 * input scale) for {@code x <= 0}: a function of the negative part of the output. Where the
 * level compresses, the layer keeps one bit per element ({@code x > 0}), which picks the branch
 * exactly, and the negative part {@code min(y, 0)}, compressed: its values lie in {@code [-alpha
 * * scale, 0]}, so the rounding step is a fraction of alpha whatever the positive outputs are,
 * and stochastic rounding keeps the factor, linear in it, unbiased (the output itself would give
 * a step set by the largest positive output). Without compression it keeps the input, and its
 * backward is PyTorch's {@code elu_backward} at that input, exactly what autograd computes.
 */
public final class QElu extends QLayer {

    /** SELU's alpha, as PyTorch defines it. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    /** SELU's scale, as PyTorch defines it. */
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;

    private final float alpha;
    private final boolean selu;

    private QElu(Block block, float alpha, boolean selu) {
        super(block);
        this.alpha = alpha;
        this.selu = selu;
        this.site = new ActivationSite(displayName(), ActivationSite.Kind.OTHER, 1);
    }

    /**
     * Wraps a block computing ELU.
     *
     * @param block the block
     * @param alpha ELU's alpha (DJL's float)
     * @return the Q-layer
     * @throws IllegalArgumentException if alpha is not a positive number
     */
    public static QElu elu(Block block, float alpha) {
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("ELU with alpha " + alpha + " is not supported: allowed is a positive number");
        }
        return new QElu(block, alpha, false);
    }

    /**
     * Wraps a block computing SELU.
     *
     * @param block the block
     * @return the Q-layer
     */
    public static QElu selu(Block block) {
        return new QElu(block, (float) SELU_ALPHA, true);
    }

    /**
     * Returns whether this is SELU (else ELU).
     *
     * @return whether SELU
     */
    public boolean isSelu() {
        return selu;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        double a = selu ? SELU_ALPHA : alpha;
        double scale = selu ? SELU_SCALE : 1.0;
        return tape.apply(new Function(displayName(), site, selu ? Activation::selu : x -> Activation.elu(x, alpha), a, scale), inputs);
    }

    @Override
    public String displayName() {
        return selu ? "QSelu" : "QElu(alpha=" + alpha + ")";
    }

    /** The op: PyTorch's ELU; keeps the sign bit and the negative part of the output, or the exact input. */
    private static final class Function implements QFunction {

        /** {@code x > 0}: the branch of ELU whose derivative is the scale. */
        private static final MaskCodec.Range POSITIVE = MaskCodec.Range.of(0f, Float.POSITIVE_INFINITY, false, true);

        private final String name;
        private final ActivationSite site;
        private final java.util.function.UnaryOperator<NDArray> op;
        private final double alpha;
        private final double scale;
        private boolean fromOutput;

        Function(String name, ActivationSite site, java.util.function.UnaryOperator<NDArray> op, double alpha, double scale) {
            this.name = name;
            this.site = site;
            this.op = op;
            this.alpha = alpha;
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
            fromOutput = ctx.compresses(x, site);
            if (fromOutput) {
                ctx.saveRangeMask(x, POSITIVE);
                try (NDArray negative = y.minimum(0f)) {
                    ctx.save(negative, site);
                }
            } else {
                ctx.save(x, site);
            }
            return new NDList(y);
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            NDArray grad = gradOutputs.singletonOrThrow();
            NDManager manager = ctx.getManager();
            if (!fromOutput) {
                try (NDArray x = ctx.restore(0)) {
                    return new NDList(ActivationOps.eluBackward(grad, x, alpha, scale, 1.0, manager));
                }
            }
            try (NDArray ones = manager.ones(grad.getShape(), grad.getDataType(), grad.getDevice());
                    NDArray positive = ctx.applyMask(0, ones, 1f);
                    NDArray y = ctx.restore(0)) {
                return new NDList(ActivationOps.eluBackwardFromOutput(grad, y, positive, alpha, scale, 1.0, manager));
            }
        }
    }
}
