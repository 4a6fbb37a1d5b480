package ai.actnn.nn.core;

import ai.actnn.nn.QLayer;

import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.policy.BitPolicy;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link Linear} with a compressed saved input, for inputs of any rank {@code [..., in]}:
 * {@code dx = dy W}, {@code dW = dy^T x} and {@code db = sum(dy)} over all leading axes (ActNN
 * flattens the gradients of rank > 2 inputs wrongly; this keeps their shape).
 */
public final class QLinear extends QLayer {

    /**
     * Wraps a linear layer; the Q-layer shares its parameters.
     *
     * @param linear the linear layer
     */
    public QLinear(Linear linear) {
        super(linear);
        this.site = new ActivationSite("QLinear", ActivationSite.Kind.LINEAR, 1);
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        NDArray weight = ps.getValue(original.getDirectParameters().get("weight"), device, true);
        Parameter biasParam = original.getDirectParameters().get("bias");
        NDArray bias = biasParam == null ? null : ps.getValue(biasParam, device, true);
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = original.forward(ps, inputs, true, params);
        }
        SavedActivation saved = weight.hasGradient() ? tape.store().save(x, site) : null;
        tape.record(new Op(saved, weight, bias), inputs, out);
        return out;
    }

    /** The recorded backward of one call. */
    private final class Op implements CompressedOp {
        private final SavedActivation saved;
        private final NDArray weight;
        private final NDArray bias;

        Op(SavedActivation saved, NDArray weight, NDArray bias) {
            this.saved = saved;
            this.weight = weight;
            this.bias = bias;
        }

        @Override
        public String name() {
            return "QLinear";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDArray grad = gradOutputs.singletonOrThrow();
            long units = weight.getShape().get(0);
            long in = weight.getShape().get(1);
            NDArray dx = ctx.needsInputGradient(0) ? grad.matMul(weight) : null;
            if (weight.hasGradient() || (bias != null && bias.hasGradient())) {
                try (NDArray g2 = grad.reshape(-1, units)) {
                    if (weight.hasGradient()) {
                        try (NDArray x = saved.restore(ctx.getManager());
                                NDArray x2 = x.reshape(-1, in);
                                NDArray gt = g2.transpose();
                                NDArray dw = gt.matMul(x2)) {
                            BitPolicy.report(ctx.getPolicy(), site, grad, dw);
                            ctx.accumulateParameterGradient(weight, dw);
                        }
                    }
                    if (bias != null && bias.hasGradient()) {
                        try (NDArray db = g2.sum(new int[] {0})) {
                            ctx.accumulateParameterGradient(bias, db);
                        }
                    }
                }
            }
            return new NDList(dx);
        }

        @Override
        public void close() {
            if (saved != null) {
                saved.close();
            }
        }
    }
}
