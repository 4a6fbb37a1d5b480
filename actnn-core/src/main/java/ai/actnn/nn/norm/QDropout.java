package ai.actnn.nn.norm;

import ai.actnn.nn.QLayer;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.QuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link Dropout} that keeps its keep mask as one bit per element and applies the same
 * mask in forward and backward (at rate 0 it keeps nothing). The mask comes from the
 * counter-based generator of the packed format, so it is reproducible from the seed and
 * identical on every backend.
 */
public final class QDropout extends QLayer {

    private final float rate;

    /**
     * Wraps a dropout block.
     *
     * @param dropout the block
     */
    public QDropout(Dropout dropout) {
        super(dropout);
        this.rate = BlockIntrospection.read(dropout, Dropout.class, "rate", Float.class);
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(
                    "dropout rate " + rate + " is invalid: allowed is a probability in [0, 1]");
        }
    }

    /**
     * Returns the drop probability.
     *
     * @return the rate
     */
    public float getRate() {
        return rate;
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (rate == 0f) {
            // Nothing is dropped: pass a new handle of the input through, keeping no mask.
            NDList out = new NDList(x.stopGradient());
            tape.record(new Op(null, null, 1f), inputs, out);
            return out;
        }
        QuantizerBackend backend = tape.store().backendFor(x);
        float scale = rate >= 1 ? 0f : 1f / (1f - rate);
        PackedMask mask = backend.randomKeepMask(x.getShape(), rate, tape.store().nextKey(), tape.getManager());
        tape.store().countExternal(mask.byteSize(), x.size());
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = new NDList(backend.applyMask(x, mask, scale, x.getManager()));
        }
        tape.record(new Op(backend, mask, scale), inputs, out);
        return out;
    }

    /** The recorded backward of one call. */
    private static final class Op implements CompressedOp {
        private final QuantizerBackend backend;
        private final PackedMask mask;
        private final float scale;

        Op(QuantizerBackend backend, PackedMask mask, float scale) {
            this.backend = backend;
            this.mask = mask;
            this.scale = scale;
        }

        @Override
        public String name() {
            return "QDropout";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            if (!ctx.needsInputGradient(0)) {
                return new NDList((NDArray) null);
            }
            NDArray grad = gradOutputs.singletonOrThrow();
            return new NDList(mask == null ? grad : backend.applyMask(grad, mask, scale, ctx.getManager()));
        }

        @Override
        public void close() {
            if (mask != null) {
                mask.close();
            }
        }
    }
}
