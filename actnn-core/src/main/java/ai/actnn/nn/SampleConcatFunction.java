package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * Concatenates the outputs of chunks of samples along the first axis: the inverse of {@link
 * SampleSplitFunction}. Inputs are chunk-major (output {@code j} of chunk {@code k} is input
 * {@code k * outputs + j}); the backward hands each chunk a view of its rows of the output
 * gradient. Saves nothing.
 */
final class SampleConcatFunction implements QFunction {

    private final int[] bounds;
    private final int outputs;

    /**
     * Creates the concatenation of one call.
     *
     * @param bounds the chunks' boundaries (see {@link BackwardChunks#bounds()})
     * @param outputs the number of outputs of each chunk
     */
    SampleConcatFunction(int[] bounds, int outputs) {
        this.bounds = bounds.clone();
        this.outputs = outputs;
    }

    @Override
    public String name() {
        return "concatSamples";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDList joined = new NDList(outputs);
        for (int j = 0; j < outputs; j++) {
            NDList parts = new NDList(bounds.length - 1);
            for (int k = 0; k + 1 < bounds.length; k++) {
                parts.add(inputs.get(k * outputs + j));
            }
            joined.add(NDArrays.concat(parts, 0));
        }
        return joined;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDList dx = new NDList(outputs * (bounds.length - 1));
        for (int k = 0; k + 1 < bounds.length; k++) {
            NDIndex rows = new NDIndex(bounds[k] + ":" + bounds[k + 1]);
            for (int j = 0; j < outputs; j++) {
                // A view: the output gradient stays alive until the last chunk's backward used it.
                dx.add(ctx.needsInputGradient(k * outputs + j) ? gradOutputs.get(j).get(rows) : null);
            }
        }
        return dx;
    }
}
