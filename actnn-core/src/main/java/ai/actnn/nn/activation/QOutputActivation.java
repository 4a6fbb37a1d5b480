package ai.actnn.nn.activation;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.ElementwiseFunction;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
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
     * Computes the input gradient from the output.
     *
     * @param grad dL/dy
     * @param y the output (restored)
     * @param manager the owner of the result
     * @return dx
     */
    protected abstract NDArray backwardFromOutput(NDArray grad, NDArray y, NDManager manager);

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        ElementwiseFunction f = ElementwiseFunction.fromOutput(
                displayName(),
                site,
                x -> original.forward(ps, new NDList(x), true, params).singletonOrThrow(),
                this::backwardFromOutput);
        return tape.apply(f, inputs);
    }
}
