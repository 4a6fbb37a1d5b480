package ai.actnn.nn.activation;

import ai.actnn.nn.QLayer;
import ai.actnn.nn.SingleInputBackward;

import ai.actnn.policy.ActivationSite;
import ai.actnn.store.ActivationStore;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.actnn.quant.CodeKernels;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Base of the smooth activations whose derivative is not a function of their output (GELU,
 * SiLU/swish). How they save depends on the step:
 *
 * <ul>
 *   <li>compressing levels: a few-bit code of the input's interval ({@link DerivativeTable}; as
 *       many bits as the layer's configured bits, at least 2), and the backward multiplies by the
 *       interval's constant derivative: {@code bits} bits per element instead of the input;
 *   <li>no compression (L0) or non-floating input: the exact input, exact derivative;
 *   <li>{@linkplain ai.actnn.config.ActNNConfig#isRecompute() recomputation}: the compressed
 *       input, the exact derivative at the restored input, and the output is declared
 *       recomputable, so the next layer saves nothing of its own.
 * </ul>
 */
public abstract class QFewBitActivation extends QLayer {

    /**
     * Wraps an activation block.
     *
     * @param original the block (a lambda recognised as this activation)
     * @param name the name of the site
     */
    protected QFewBitActivation(Block original, String name) {
        super(original);
        this.site = new ActivationSite(name, ActivationSite.Kind.OTHER, 1);
    }

    /**
     * Returns the derivative table at a bit width.
     *
     * @param bits the code bits
     * @return the table (of the derivative as a function of {@code codeScale() * x})
     */
    protected abstract DerivativeTable table(int bits);

    /**
     * Returns the factor applied to the input before it is encoded (swish's beta, else 1).
     *
     * @return the factor
     */
    protected abstract double codeScale();

    /**
     * Computes the activation (to recompute outputs from restored inputs).
     *
     * @param x the input
     * @return a new array
     */
    protected abstract NDArray apply(NDArray x);

    /**
     * Computes the exact input gradient at an input.
     *
     * @param grad dL/dy
     * @param x the input (restored)
     * @param manager the owner of the result
     * @return dx
     */
    protected abstract NDArray exactBackward(NDArray grad, NDArray x, NDManager manager);

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = original.forward(ps, inputs, true, params);
        }
        ActivationStore store = tape.store();
        CompressedOp op;
        if (store.recomputes() || !store.quantizes(x, site)) {
            SavedActivation saved = store.save(x, site);
            if (store.recomputes()) {
                store.registerRecomputable(out.singletonOrThrow(), saved, this::apply);
            }
            op = new SingleInputBackward(displayName(), saved, this::exactBackward);
        } else {
            int bits = Math.max(2, store.getConfig().getBits(site.getLayerGroup()));
            DerivativeTable table = table(bits);
            CodeKernels kernels = store.backendFor(x) instanceof CodeKernels k ? k : null;
            NDArray codes;
            if (kernels != null) {
                codes = kernels.packCodes(x, table.boundaries(), (float) codeScale(), bits, tape.getManager());
            } else {
                try (NDArray boundaries = x.getManager().create(table.boundaries())) {
                    codes = NativeOps.packCodes(x, boundaries, codeScale(), bits, tape.getManager());
                }
            }
            store.countExternal(codes.size(), x.size());
            op = new CodeOp(codes, table, kernels);
        }
        tape.record(op, inputs, out);
        return out;
    }

    /** Backward from the few-bit codes: {@code dx = dy * table[code]}. */
    private final class CodeOp implements CompressedOp {
        private final NDArray codes;
        private final DerivativeTable table;
        private final CodeKernels kernels;

        CodeOp(NDArray codes, DerivativeTable table, CodeKernels kernels) {
            this.codes = codes;
            this.table = table;
            this.kernels = kernels;
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
            NDArray grad = gradOutputs.singletonOrThrow();
            if (kernels != null) {
                return new NDList(kernels.applyCodes(grad, codes, table.values(), table.bits(), ctx.getManager()));
            }
            try (NDArray values = ctx.getManager().create(table.values())) {
                return new NDList(NativeOps.applyCodes(grad, codes, values, table.bits(), ctx.getManager()));
            }
        }

        @Override
        public void close() {
            codes.close();
        }
    }
}
