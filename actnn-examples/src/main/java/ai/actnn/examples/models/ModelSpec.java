package ai.actnn.examples.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import java.util.List;

/**
 * A model with the shape of its inputs: everything the benchmark and training runners need to
 * know to build it, initialize it and feed it, so that they hold no per-model logic. Instances
 * come from {@link ModelCatalog}; implementations are immutable values.
 */
public interface ModelSpec {

    /**
     * Returns the model's name.
     *
     * @return one of {@link ModelCatalog#NAMES}
     */
    String name();

    /**
     * Returns the number of output classes.
     *
     * @return at least 2
     */
    int classes();

    /**
     * Builds a new, uninitialized plain DJL network.
     *
     * @return the network
     */
    Block build();

    /**
     * Returns the shapes of the inputs of one batch, in the order the network takes them.
     *
     * @param batch the batch size
     * @return one shape per input, each starting with {@code batch}
     */
    Shape[] inputShapes(int batch);

    /**
     * Creates a batch of random inputs of {@link #inputShapes(int)} (for benchmarks).
     *
     * @param manager the owner of the arrays
     * @param batch the batch size
     * @return the inputs
     */
    NDList randomInputs(NDManager manager, int batch);

    /**
     * Returns the input size that reports show.
     *
     * @return the image side, or the sequence length and width
     */
    InputSize size();

    /**
     * Returns the {@code actnn benchmark} options that select this model with these sizes
     * ({@code --model} first), so that a child JVM can rebuild it.
     *
     * @return the options and their values
     * @throws IllegalStateException if the benchmark cannot express this configuration
     */
    List<String> arguments();
}
