package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.ActivationOps;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Log-softmax along one axis, {@code y = x - log(sum(exp(x)))}, whose backward {@code dx = dy -
 * softmax(x) * sum(dy)} needs the probabilities. Where the level compresses, it keeps the
 * probabilities {@code exp(y)}, compressed: the backward is linear in them, so stochastic
 * rounding leaves it unbiased (keeping the log-probabilities instead would put the rounding error
 * inside an exponential: biased, and by a factor of {@code e^step} for the wide range of
 * log-probabilities). Without compression it keeps {@code y} and runs PyTorch's {@code
 * _log_softmax_backward_data}, exactly as autograd does.
 */
public final class QLogSoftmax extends QLayer {

    private final int axis;

    /**
     * Wraps a block computing a log-softmax.
     *
     * @param block the block
     * @param axis the axis (negative counts from the end)
     */
    public QLogSoftmax(Block block, int axis) {
        super(block);
        this.axis = axis;
        this.site = new ActivationSite("QLogSoftmax", ActivationSite.Kind.OTHER, 1);
    }

    /**
     * Returns the axis.
     *
     * @return the axis
     */
    public int getAxis() {
        return axis;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new Function(site, axis), inputs);
    }

    /** The op: PyTorch's log-softmax; keeps the probabilities, or the exact output. */
    private static final class Function implements QFunction {

        private final ActivationSite site;
        private final int axis;
        private boolean probabilities;

        Function(ActivationSite site, int axis) {
            this.site = site;
            this.axis = axis;
        }

        @Override
        public String name() {
            return "QLogSoftmax";
        }

        @Override
        public NDList forward(ForwardContext ctx, NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            NDArray y = x.logSoftmax(axis);
            probabilities = ctx.compresses(x, site);
            if (probabilities) {
                try (NDArray p = y.exp()) {
                    ctx.save(p, site);
                }
            } else {
                ctx.save(y, site);
            }
            return new NDList(y);
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            NDArray grad = gradOutputs.singletonOrThrow();
            try (NDArray saved = ctx.restore(0)) {
                if (!probabilities) {
                    return new NDList(ActivationOps.logSoftmaxBackward(grad, saved, axis, ctx.getManager()));
                }
                try (NDArray total = grad.sum(new int[] {axis}, true);
                        NDArray spread = saved.mul(total)) {
                    NDArray dx = grad.sub(spread);
                    dx.attach(ctx.getManager());
                    return new NDList(dx);
                }
            }
        }
    }
}
