package ai.actnn.nn.norm;

import ai.actnn.nn.QLayer;
import ai.actnn.nn.RecordedOps;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link LayerNorm} with a compressed saved input. The forward is PyTorch's {@code
 * native_layer_norm} on the exact input (the same kernel as DJL's); it saves the compressed input
 * plus the per-row mean and reciprocal standard deviation (two numbers per normalised row), and
 * the backward is {@code native_layer_norm_backward} at the restored input. With recomputation
 * on, the output is declared recomputable from the saved input and statistics, so the layer that
 * consumes it saves nothing of its own.
 */
public final class QLayerNorm extends QLayer {

    private final float epsilon;

    /**
     * Wraps a layer normalisation; the Q-layer shares its parameters.
     *
     * @param norm the layer normalisation
     */
    public QLayerNorm(LayerNorm norm) {
        super(norm);
        this.epsilon = BlockIntrospection.read(norm, LayerNorm.class, "epsilon", Float.class);
        this.site = new ActivationSite("QLayerNorm", ActivationSite.Kind.LAYER_NORM, 1);
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        Shape normalized = BlockIntrospection.read(original, LayerNorm.class, "normalizedShape", Shape.class);
        NDArray gamma = ps.getValue(original.getDirectParameters().get("gamma"), device, true);
        NDArray beta = ps.getValue(original.getDirectParameters().get("beta"), device, true);
        NDList r;
        try (GradMode off = GradMode.disabled()) {
            r = NativeOps.layerNormForward(x, normalized, gamma, beta, epsilon, x.getManager());
        }
        NDArray y = r.get(0);
        NDArray mean = r.get(1);
        NDArray rstd = r.get(2);
        mean.attach(tape.getManager());
        rstd.attach(tape.getManager());
        SavedActivation saved = tape.store().save(x, site);
        if (tape.store().recomputes()) {
            tape.store().registerRecomputable(y, saved, in -> normalize(in, mean, rstd, gamma, beta));
        }
        NDList out = new NDList(y);
        tape.record(new Op(saved, normalized, mean, rstd, gamma, beta), inputs, out);
        return out;
    }

    /** The forward from saved statistics: {@code (x - mean) * rstd * gamma + beta}. */
    private static NDArray normalize(NDArray x, NDArray mean, NDArray rstd, NDArray gamma, NDArray beta) {
        NDArray y = x.sub(mean);
        y.muli(rstd).muli(gamma).addi(beta);
        return RecordedOps.asTypeOf(y, x);
    }

    /** The recorded backward of one call. */
    private final class Op implements CompressedOp {
        private final SavedActivation saved;
        private final Shape normalized;
        private final NDArray mean;
        private final NDArray rstd;
        private final NDArray gamma;
        private final NDArray beta;

        Op(SavedActivation saved, Shape normalized, NDArray mean, NDArray rstd, NDArray gamma, NDArray beta) {
            this.saved = saved;
            this.normalized = normalized;
            this.mean = mean;
            this.rstd = rstd;
            this.gamma = gamma;
            this.beta = beta;
        }

        @Override
        public String name() {
            return "QLayerNorm";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDManager manager = ctx.getManager();
            NDArray grad = gradOutputs.singletonOrThrow();
            ctx.getPolicy().observeGradient(site, grad);
            boolean[] need = {ctx.needsInputGradient(0), gamma.hasGradient(), beta.hasGradient()};
            NDList r;
            try (NDArray x = saved.restore(manager)) {
                r = NativeOps.layerNormBackward(grad, x, normalized, mean, rstd, gamma, beta, need, manager);
            }
            if (need[1]) {
                ctx.accumulateParameterGradient(gamma, r.get(1));
            }
            if (need[2]) {
                ctx.accumulateParameterGradient(beta, r.get(2));
            }
            r.get(1).close();
            r.get(2).close();
            if (!need[0]) {
                r.get(0).close();
                return new NDList((NDArray) null);
            }
            return new NDList(r.get(0));
        }

        @Override
        public void close() {
            saved.close();
            mean.close();
            rstd.close();
        }
    }
}
