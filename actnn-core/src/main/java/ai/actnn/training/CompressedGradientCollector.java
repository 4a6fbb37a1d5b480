package ai.actnn.training;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.Autograd;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/**
 * A gradient collector that runs ActNN's compressed backward right after autograd's backward of
 * the loss. Opening it starts a step: it makes a {@link Tape} current on this thread, on which the
 * Q-layers record themselves; closing it frees everything the step saved.
 *
 * <p>Unlike DJL's PyTorch collector it holds no process-wide flag, so trainers in different
 * threads can collect at the same time (autograd's grad mode is per thread).
 */
public final class CompressedGradientCollector implements GradientCollector {

    private final CompressionState state;
    private final Iterable<NDArray> parameters;
    private final boolean previousGradMode;
    private final Tape tape;

    /**
     * Opens a collector.
     *
     * @param state the trainer's compression state
     * @param parent the manager under which the step's saved data lives
     * @param parameters the model's parameter arrays, for {@link #zeroGradients()}
     */
    public CompressedGradientCollector(
            CompressionState state, NDManager parent, Iterable<NDArray> parameters) {
        this.state = state;
        this.parameters = parameters;
        this.previousGradMode = Autograd.isGradMode();
        Tape opened = null;
        try {
            opened = Tape.open(state.beginStep(), parent);
            Autograd.setGradMode(true);
        } catch (RuntimeException e) {
            Autograd.setGradMode(previousGradMode);
            throw e;
        }
        this.tape = opened;
    }

    /**
     * Returns the tape of this step.
     *
     * @return the tape
     */
    public Tape getTape() {
        return tape;
    }

    /**
     * Differentiates {@code target}: autograd's backward first (it fills the gradients of the
     * Q-layers' outputs that ordinary ops consumed), then the compressed backward of every Q-op
     * recorded since the last backward.
     *
     * @param target the loss
     */
    @Override
    public void backward(NDArray target) {
        try (NDArray ones = target.onesLike()) {
            // Keep the graph: autograd parts upstream of Q-ops may be reached again by the
            // compressed backward; it is freed with the batch's arrays.
            Autograd.backward(target, ones, true);
        }
        tape.backward();
    }

    /** Sets the gradients of the model's parameters to zero. */
    @Override
    public void zeroGradients() {
        for (NDArray p : parameters) {
            if (p.hasGradient()) {
                try (NDArray g = p.getGradient()) {
                    g.subi(g);
                }
            }
        }
    }

    /** Ends the step: frees everything it saved and restores autograd's mode. */
    @Override
    public void close() {
        try {
            state.endStep(tape);
        } finally {
            try {
                tape.close();
            } finally {
                Autograd.setGradMode(previousGradMode);
            }
        }
    }
}
