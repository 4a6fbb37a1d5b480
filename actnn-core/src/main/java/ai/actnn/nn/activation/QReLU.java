package ai.actnn.nn.activation;

import ai.actnn.nn.QLayer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.QuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ReLU that saves one bit per element ({@code x > 0}) instead of its output: exact at every
 * level, 32x smaller than what autograd keeps.
 */
public final class QReLU extends QLayer {

    /**
     * Wraps a ReLU block (DJL's {@code Activation.reluBlock()} or any block computing ReLU).
     *
     * @param relu the block
     */
    public QReLU(Block relu) {
        super(relu);
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDList out = new NDList(inputs.size());
        PackedMask[] packed = new PackedMask[inputs.size()];
        QuantizerBackend[] backends = new QuantizerBackend[inputs.size()];
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < inputs.size(); i++) {
                NDArray x = inputs.get(i);
                backends[i] = tape.store().backendFor(x);
                packed[i] = backends[i].packPositive(x, tape.getManager());
                tape.store().countExternal(packed[i].byteSize(), x.size());
                out.add(Activation.relu(x));
            }
        }
        tape.record(new Op(backends, packed), inputs, out);
        return out;
    }

    /** The recorded backward of one call. */
    private static final class Op implements CompressedOp {
        private final QuantizerBackend[] backends;
        private final PackedMask[] masks;

        Op(QuantizerBackend[] backends, PackedMask[] masks) {
            this.backends = backends;
            this.masks = masks;
        }

        @Override
        public String name() {
            return "QReLU";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDList dx = new NDList(masks.length);
            for (int i = 0; i < masks.length; i++) {
                NDArray g = gradOutputs.get(i);
                dx.add(
                        ctx.needsInputGradient(i)
                                ? backends[i].applyMask(g, masks[i], 1f, ctx.getManager())
                                : null);
            }
            return dx;
        }

        @Override
        public void close() {
            for (PackedMask m : masks) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }
}
