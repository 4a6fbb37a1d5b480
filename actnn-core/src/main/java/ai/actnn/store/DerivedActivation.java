package ai.actnn.store;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * An activation that is not stored at all: it is recomputed on restore, by a cheap element-wise
 * function, from another saved activation (the compressed input of the op that produced it).
 * This is the recomputation half of "compression plus checkpointing".
 */
final class DerivedActivation implements SavedActivation {

    private final SharedActivation source;
    private final UnaryOperator<NDArray> recompute;

    /**
     * Creates a derived activation.
     *
     * @param source the saved activation it is recomputed from (retained by the caller for this
     *     object, released on close)
     * @param recompute the function from the restored source to this activation; it must return
     *     a new array and leave its argument open
     */
    DerivedActivation(SharedActivation source, UnaryOperator<NDArray> recompute) {
        this.source = source;
        this.recompute = recompute;
    }

    @Override
    public NDArray restore(NDManager manager) {
        try (NDArray input = source.restore(manager)) {
            NDArray out = recompute.apply(input);
            out.attach(manager);
            return out;
        }
    }

    @Override
    public int samples() {
        return source.samples();
    }

    @Override
    public long storedBytes() {
        return 0;
    }

    @Override
    public double bitsPerElement() {
        return 0;
    }

    @Override
    public void close() {
        source.close();
    }
}
