package ai.actnn.engine;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.util.Pair;

import java.util.ArrayList;
import java.util.List;

/**
 * A DJL {@link Trainer} whose gradient collectors run ActNN's compressed backward, so that
 * {@code EasyTrain.fit} and hand-written DJL loops train a converted model with compressed
 * activations, unchanged otherwise.
 */
public class ActNNTrainer extends Trainer {

    private final CompressionState compression;

    /**
     * Creates a trainer that follows the global ActNN configuration.
     *
     * @param model the model (usually with a block from {@code QModule.convert})
     * @param trainingConfig DJL's training configuration
     */
    public ActNNTrainer(Model model, TrainingConfig trainingConfig) {
        this(model, trainingConfig, new CompressionState());
    }

    /**
     * Creates a trainer with its own compression state.
     *
     * @param model the model
     * @param trainingConfig DJL's training configuration
     * @param compression the compression state (configuration source, bit policy)
     */
    public ActNNTrainer(Model model, TrainingConfig trainingConfig, CompressionState compression) {
        super(model, trainingConfig);
        this.compression = compression;
    }

    /**
     * Returns a collector that records the Q-layers of this step and runs their compressed
     * backward.
     *
     * @return the collector
     */
    @Override
    public GradientCollector newGradientCollector() {
        return new CompressedGradientCollector(compression, getManager(), this::parameterArrays);
    }

    private java.util.Iterator<NDArray> parameterArrays() {
        List<NDArray> arrays = new ArrayList<>();
        for (Pair<String, Parameter> p : getModel().getBlock().getParameters()) {
            if (p.getValue().isInitialized() && p.getValue().requiresGradient()) {
                arrays.add(p.getValue().getArray());
            }
        }
        return arrays.iterator();
    }

    /**
     * Returns the compression state (statistics of the last step, the bit policy).
     *
     * @return the state
     */
    public CompressionState getCompression() {
        return compression;
    }
}
