package ai.actnn.distributed.internal;

/** A C++ exception of libtorch's c10d (or Gloo), rethrown in Java with its message. */
public final class NativeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and the C++ exception's message
     */
    public NativeException(String message) {
        super(message);
    }
}
