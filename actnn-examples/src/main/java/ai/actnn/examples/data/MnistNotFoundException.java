package ai.actnn.examples.data;

/** Thrown when no source of MNIST could provide the data; the message lists the ways to get it. */
public final class MnistNotFoundException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was tried and how to provide the data
     * @param cause the last failure, or {@code null}
     */
    public MnistNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
