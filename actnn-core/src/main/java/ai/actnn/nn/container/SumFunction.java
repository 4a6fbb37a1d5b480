package ai.actnn.nn.container;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.nn.Clipping;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The sum of a residual unit's branches, optionally followed by ReLU or clipping to a range (one
 * bit per element kept then). It may accumulate into the first branch's output when nothing else uses that array: one
 * full-precision tensor less at the forward's peak.
 */
final class SumFunction implements QFunction {

    private final boolean relu;
    private final Clipping clip;
    private final boolean reuseFirst;
    private int inputs;

    /**
     * Creates the function of one join.
     *
     * @param relu whether ReLU follows the sum
     * @param clip the range the sum is clipped to, or null
     * @param reuseFirst whether the sum may accumulate into the first input
     */
    SumFunction(boolean relu, Clipping clip, boolean reuseFirst) {
        this.relu = relu;
        this.clip = clip;
        this.reuseFirst = reuseFirst;
    }

    @Override
    public String name() {
        return relu ? "QParallel.addRelu" : clip != null ? "QParallel.addClip" : "QParallel.add";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList in) {
        inputs = in.size();
        NDArray y;
        if (reuseFirst) {
            y = in.get(0);
            for (int i = 1; i < in.size(); i++) {
                y.addi(in.get(i));
            }
        } else {
            y = in.get(0).add(in.get(1));
            for (int i = 2; i < in.size(); i++) {
                NDArray next = y.add(in.get(i));
                y.close();
                y = next;
            }
        }
        if (relu) {
            if (reuseFirst) {
                // a handle of its own, as below, and the one the store knows as a ReLU output
                return new NDList(ctx.reluInPlace(y));
            } else {
                NDArray r = ctx.relu(y);
                y.close();
                y = r;
            }
        }
        if (clip != null) {
            NDArray c = clip.forward(ctx, y);
            if (!reuseFirst) {
                y.close();
            }
            y = c;
            return new NDList(y);
        }
        // The output needs a handle of its own when it is the first branch's storage: the tape
        // maps arrays to the ops that produced them, and that branch output is released.
        return new NDList(reuseFirst ? y.stopGradient() : y);
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray g = gradOutputs.singletonOrThrow();
        NDArray masked = relu ? ctx.applyMask(0, g, 1f) : clip != null ? clip.backward(ctx, g) : g;
        NDList dx = new NDList(inputs);
        for (int i = 0; i < inputs; i++) {
            // The same array for every input: the tape routes aliases safely.
            dx.add(ctx.needsInputGradient(i) ? masked : null);
        }
        return dx;
    }
}
