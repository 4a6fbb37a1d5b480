package ai.actnn.nn.activation;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
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
 *   <li>recomputation: the compressed input, the exact derivative at the restored input, and the
 *       output is declared recomputable, so the next layer saves nothing of its own.
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
     * Computes the activation (also to recompute outputs from restored inputs).
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
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(
                new SmoothActivationFunction(
                        displayName(), site, this::apply, this::exactBackward, this::table, (float) codeScale()),
                inputs);
    }
}
