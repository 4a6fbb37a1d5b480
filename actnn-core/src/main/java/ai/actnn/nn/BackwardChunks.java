package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * How a layer's backward splits a large batch into chunks of samples. A backward restores its
 * saved input to full precision and its kernel may need a workspace as large again; doing it a
 * chunk at a time keeps that transient small while the compressed activations of the whole batch
 * stay packed, which is what lets much larger batches fit. The same bound serves forwards that
 * run a sample-wise block a chunk at a time ({@link SampleChunking}).
 */
public final class BackwardChunks {

    /**
     * The restored input of one chunk stays around this size (system property {@code
     * actnn.backwardChunkBytes}, default 4 MiB; 0 turns chunking off).
     */
    static final long TARGET_BYTES = Long.getLong("actnn.backwardChunkBytes", 4L << 20);

    /**
     * A forward's whole-batch workspace is kept under about this size by running it a chunk of
     * samples at a time (system property {@code actnn.forwardWorkspaceBytes}, default 64 MiB; 0
     * turns it off). Larger than {@link #TARGET_BYTES}: a forward split finely runs slower, and
     * below this size the workspace is not what sets the peak.
     */
    static final long WORKSPACE_TARGET_BYTES = Long.getLong("actnn.forwardWorkspaceBytes", 64L << 20);

    private final int samples;
    private final int chunk;

    private BackwardChunks(int samples, int chunk) {
        this.samples = samples;
        this.chunk = chunk;
    }

    /**
     * Returns the chunks of a backward that restores a saved activation: one chunk when restoring
     * allocates nothing (a full-precision activation kept as it is), since chunks then only add
     * work; else as {@link #of}.
     *
     * @param ctx the backward's context
     * @param activation the index of the saved activation among the context's
     * @param inputShape the shape of the restored activation (first axis = samples)
     * @param type its data type
     * @return the chunks
     */
    public static BackwardChunks forRestore(BackwardContext ctx, int activation, Shape inputShape, DataType type) {
        if (ctx.restoresInPlace(activation)) {
            int samples = inputShape.dimension() == 0 ? 1 : (int) inputShape.get(0);
            return new BackwardChunks(samples, Math.max(1, samples));
        }
        return of(inputShape, type);
    }

    /**
     * Returns the chunks of a backward over an input of the given shape.
     *
     * @param inputShape the shape of the restored input (first axis = samples)
     * @param type its data type
     * @return the chunks (one chunk when the batch is small or has no sample axis)
     */
    public static BackwardChunks of(Shape inputShape, DataType type) {
        int samples = inputShape.dimension() == 0 ? 1 : (int) inputShape.get(0);
        if (inputShape.dimension() < 2) {
            return new BackwardChunks(samples, Math.max(1, samples));
        }
        return ofSamples(samples, inputShape.size() / Math.max(1, samples) * type.getNumOfBytes());
    }

    /**
     * Returns the chunks of a batch whose work holds {@code bytesPerSample} of full-precision
     * transients per sample: as many samples per chunk as stay within the target.
     *
     * @param samples the batch size
     * @param bytesPerSample the transient bytes of one sample
     * @return the chunks (one chunk when the whole batch stays within the target, or chunking is
     *     off)
     */
    public static BackwardChunks ofSamples(int samples, long bytesPerSample) {
        return within(samples, bytesPerSample, TARGET_BYTES);
    }

    /**
     * Returns the chunks of a forward whose kernel builds a workspace of {@code bytesPerSample}
     * per sample for the whole batch at once: as many samples per chunk as keep it within {@link
     * #WORKSPACE_TARGET_BYTES}.
     *
     * @param samples the batch size
     * @param bytesPerSample the workspace bytes of one sample (0: none)
     * @return the chunks (one chunk when the whole workspace stays within the target)
     */
    public static BackwardChunks ofWorkspace(int samples, long bytesPerSample) {
        return within(samples, bytesPerSample, WORKSPACE_TARGET_BYTES);
    }

    /**
     * Returns whether a forward's full-size transient of this size is worth extra work to avoid:
     * above {@link #WORKSPACE_TARGET_BYTES}, where it sets the peak of large batches.
     *
     * @param bytes the transient's size
     * @return whether it passes the target (never when the target is 0, which turns this off)
     */
    public static boolean isLargeTransient(long bytes) {
        return WORKSPACE_TARGET_BYTES > 0 && bytes > WORKSPACE_TARGET_BYTES;
    }

    private static BackwardChunks within(int samples, long bytesPerSample, long target) {
        if (target <= 0 || bytesPerSample <= 0) {
            return new BackwardChunks(samples, Math.max(1, samples));
        }
        long perSample = Math.max(1, bytesPerSample);
        int chunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, target / perSample));
        return new BackwardChunks(samples, Math.min(chunk, Math.max(1, samples)));
    }

    /**
     * Returns the number of samples.
     *
     * @return the batch size
     */
    public int samples() {
        return samples;
    }

    /**
     * Returns the number of chunks.
     *
     * @return the count (at least 1)
     */
    public int count() {
        return Math.max(1, (samples + chunk - 1) / chunk);
    }

    /**
     * Returns the chunks' boundaries: chunk {@code k} holds samples {@code [bounds[k],
     * bounds[k + 1])}.
     *
     * @return {@link #count()} + 1 ascending sample indices, from 0 to {@link #samples()}
     */
    public int[] bounds() {
        int[] bounds = new int[count() + 1];
        for (int k = 1; k < bounds.length; k++) {
            bounds[k] = Math.min(samples, bounds[k - 1] + chunk);
        }
        return bounds;
    }

    /**
     * Returns whether the batch is split at all.
     *
     * @return whether there is more than one chunk
     */
    public boolean split() {
        return chunk < samples;
    }

    /** The work on one chunk of samples {@code [from, to)}. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs on one chunk.
         *
         * @param from the first sample
         * @param to one past the last sample
         * @param rows the index of these samples along the first axis
         */
        void run(int from, int to, NDIndex rows);
    }

    /**
     * Runs work on each chunk in order.
     *
     * @param body the work
     */
    public void forEach(Body body) {
        for (int from = 0; from < samples; from += chunk) {
            int to = Math.min(samples, from + chunk);
            body.run(from, to, new NDIndex(from + ":" + to));
        }
    }

    /**
     * Adds a chunk's parameter gradient to the running sum (closing what is replaced).
     *
     * @param total the sum so far, or null
     * @param part the chunk's gradient (closed if not needed)
     * @param needed whether this gradient is needed at all
     * @return the new sum, or null when not needed
     */
    public static NDArray sum(NDArray total, NDArray part, boolean needed) {
        if (!needed) {
            part.close();
            return total;
        }
        if (total == null) {
            return part;
        }
        NDArray s = total.add(part);
        total.close();
        part.close();
        return s;
    }
}
