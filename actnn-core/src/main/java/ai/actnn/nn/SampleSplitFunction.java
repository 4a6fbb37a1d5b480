package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * Splits arrays into chunks of samples along their first axis: views, no copy. Outputs are
 * chunk-major (chunk {@code k} of input {@code i} is output {@code k * inputs + i}); the backward
 * concatenates each input's chunk gradients. Saves nothing.
 */
final class SampleSplitFunction implements QFunction {

    private final int[] bounds;

    /**
     * Creates the split of one call.
     *
     * @param bounds the chunks' boundaries (see {@link BackwardChunks#bounds()})
     */
    SampleSplitFunction(int[] bounds) {
        this.bounds = bounds.clone();
    }

    @Override
    public String name() {
        return "splitSamples";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDList pieces = new NDList(inputs.size() * (bounds.length - 1));
        for (int k = 0; k + 1 < bounds.length; k++) {
            NDIndex rows = new NDIndex(bounds[k] + ":" + bounds[k + 1]);
            for (NDArray x : inputs) {
                pieces.add(x.get(rows));
            }
        }
        return pieces;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        int inputs = gradOutputs.size() / (bounds.length - 1);
        NDList dx = new NDList(inputs);
        for (int i = 0; i < inputs; i++) {
            if (!ctx.needsInputGradient(i)) {
                dx.add(null);
                continue;
            }
            NDList parts = new NDList(bounds.length - 1);
            for (int k = 0; k + 1 < bounds.length; k++) {
                parts.add(gradOutputs.get(k * inputs + i));
            }
            dx.add(NDArrays.concat(parts, 0));
        }
        return dx;
    }
}
