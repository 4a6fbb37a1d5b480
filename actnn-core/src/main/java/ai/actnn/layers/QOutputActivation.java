package ai.actnn.layers;

import ai.actnn.engine.ActivationSite;
import ai.actnn.engine.BackwardContext;
import ai.actnn.engine.CompressedOp;
import ai.actnn.engine.GradMode;
import ai.actnn.engine.SavedActivation;
import ai.actnn.engine.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Base of the activations whose derivative is a function of their output (tanh, sigmoid,
 * softmax): they save their output, compressed at the step's level, and compute the backward
 * from the restored output. When the next layer also saves that output (a linear layer after
 * tanh), the store keeps it once, so such an activation costs no memory of its own.
 */
public abstract class QOutputActivation extends QLayer {

    private final ActivationSite site;

    /**
     * Wraps an activation block.
     *
     * @param original the block
     * @param name the name of the site
     */
    protected QOutputActivation(Block original, String name) {
        super(original);
        this.site = new ActivationSite(name, ActivationSite.Kind.OTHER, 1);
    }

    /**
     * Returns the site where this layer saves its output.
     *
     * @return the site
     */
    public ActivationSite getSite() {
        return site;
    }

    /**
     * Computes the input gradient from the output.
     *
     * @param grad dL/dy
     * @param y the output (restored)
     * @param manager the owner of the result
     * @return dx
     */
    protected abstract NDArray backwardFromOutput(NDArray grad, NDArray y, NDManager manager);

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = original.forward(ps, inputs, true, params);
        }
        SavedActivation saved = tape.store().save(out.singletonOrThrow(), site);
        tape.record(new Op(saved), inputs, out);
        return out;
    }

    /** The recorded backward of one call. */
    private final class Op implements CompressedOp {
        private final SavedActivation saved;

        Op(SavedActivation saved) {
            this.saved = saved;
        }

        @Override
        public String name() {
            return displayName();
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            try (NDArray y = saved.restore(ctx.getManager())) {
                return new NDList(backwardFromOutput(gradOutputs.singletonOrThrow(), y, ctx.getManager()));
            }
        }

        @Override
        public void close() {
            saved.close();
        }
    }
}
