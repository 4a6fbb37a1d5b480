package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * ReLU of each input, keeping one bit per element ({@code x > 0}) instead of its output: exact at
 * every level, 32x smaller than what autograd keeps.
 */
public final class ReluFunction implements QFunction {

    @Override
    public String name() {
        return "QReLU";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDList out = new NDList(inputs.size());
        for (NDArray x : inputs) {
            out.add(ctx.relu(x));
        }
        return out;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDList dx = new NDList(gradOutputs.size());
        for (int i = 0; i < gradOutputs.size(); i++) {
            dx.add(ctx.needsInputGradient(i) ? ctx.applyMask(i, gradOutputs.get(i), 1f) : null);
        }
        return dx;
    }
}
