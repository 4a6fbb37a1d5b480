package ai.actnn.nn;

import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;

import java.util.Arrays;
import java.util.List;

/**
 * Runs a block whose samples do not interact (attention, a point-wise feed-forward block) a chunk
 * of samples at a time on the tape, so that its full-precision intermediates (attention scores
 * and probabilities, a 4x-wide hidden layer) and, in backward, their gradients exist for one
 * chunk at a time instead of for the whole batch: the inputs are split into views ({@link
 * SampleSplitFunction}), each chunk's ops are recorded as usual (saving their compressed
 * activations per chunk), and the chunks' outputs are concatenated ({@link
 * SampleConcatFunction}). The backward then visits the chunks one after the other. A batch that
 * fits one chunk ({@link BackwardChunks#split()} false) runs the block once, unchanged.
 *
 * <p>Only for blocks whose result for a sample depends on that sample alone: not for batch
 * normalisation, whose statistics span the batch.
 */
public final class SampleChunking {

    /** The work on one chunk of samples. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the block on one chunk.
         *
         * @param chunk the rows {@code [from, to)} of each split array, in the order given
         * @param from the first sample
         * @param to one past the last sample
         * @return the chunk's outputs (first axis = the chunk's samples)
         */
        NDList apply(NDList chunk, int from, int to);
    }

    private SampleChunking() {}

    /**
     * Runs a sample-wise block in chunks of samples.
     *
     * @param tape the step's tape
     * @param data the arrays to split along their first axis (each with {@code chunks.samples()}
     *     rows); constants that the body needs are sliced by the body itself
     * @param chunks the chunks
     * @param body the block on one chunk
     * @return the outputs of the whole batch (the body's outputs, concatenated)
     * @throws IllegalStateException if chunks return different numbers of outputs
     */
    public static NDList forward(Tape tape, NDList data, BackwardChunks chunks, Body body) {
        if (!chunks.split()) {
            return body.apply(data, 0, chunks.samples());
        }
        int[] bounds = chunks.bounds();
        int width = data.size();
        NDList pieces = tape.apply(new SampleSplitFunction(bounds), data);
        NDList outputs = new NDList();
        int perChunk = -1;
        for (int k = 0; k + 1 < bounds.length; k++) {
            NDList chunk = new NDList(pieces.subNDList(k * width, (k + 1) * width));
            NDList out = body.apply(chunk, bounds[k], bounds[k + 1]);
            if (perChunk >= 0 && out.size() != perChunk) {
                throw new IllegalStateException(
                        "a chunked block returned " + out.size() + " outputs for one chunk and "
                                + perChunk + " for another");
            }
            perChunk = out.size();
            // The chunk's inputs are consumed: the full-precision views go now.
            Intermediates.release(tape, chunk, Arrays.asList(out, data));
            outputs.addAll(out);
        }
        NDList joined = tape.apply(new SampleConcatFunction(bounds, perChunk), outputs);
        Intermediates.release(tape, outputs, Arrays.asList(joined, data));
        return joined;
    }

    /**
     * Returns the elements per sample of the widest array a block computes for one sample: its
     * input, its output, and for a sequential block each child's output. What a chunk of samples
     * holds in full precision grows with it.
     *
     * @param block the block (initialized)
     * @param input the block's input shape (first axis = samples)
     * @return the largest element count per sample
     */
    public static long widestPerSample(Block block, Shape input) {
        Shape[] shapes = {sampleShape(input)};
        long widest = shapes[0].size();
        Iterable<Block> steps = block instanceof SequentialBlock
                ? block.getChildren().values()
                : List.of(block);
        for (Block step : steps) {
            shapes = step.getOutputShapes(shapes);
            for (Shape s : shapes) {
                widest = Math.max(widest, s.size());
            }
        }
        return widest;
    }

    private static Shape sampleShape(Shape shape) {
        if (shape.dimension() == 0) {
            return shape;
        }
        // Shape.getShape() hands out the shape's own array (an NDArray's cached shape): copy it.
        long[] dims = shape.getShape().clone();
        dims[0] = 1;
        return new Shape(dims);
    }
}
