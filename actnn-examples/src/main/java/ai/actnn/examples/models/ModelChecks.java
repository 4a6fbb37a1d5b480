package ai.actnn.examples.models;

/** Argument checks shared by the model specifications; failures are {@link IllegalArgumentException}s. */
final class ModelChecks {

    private ModelChecks() {}

    static void positive(String model, String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(model + ": " + what + " must be >= 1, not " + value);
        }
    }

    static void classes(String model, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException(model + ": classes must be >= 2, not " + classes);
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
