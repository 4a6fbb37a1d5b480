package ai.actnn.autograd;

import ai.actnn.internal.Autograd;

/**
 * Scoped switch of PyTorch's (thread-local) autograd recording, restored on close:
 *
 * <pre>{@code
 * try (GradMode off = GradMode.disabled()) {
 *     // ops here build no autograd graph
 * }
 * }</pre>
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = Autograd.isGradMode();
        Autograd.setGradMode(enabled);
    }

    /**
     * Turns recording off until closed.
     *
     * @return the scope
     */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /**
     * Turns recording on until closed.
     *
     * @return the scope
     */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    /** Restores the previous mode. */
    @Override
    public void close() {
        Autograd.setGradMode(previous);
    }
}
