package ai.actnn.training;

import ai.actnn.config.ActNNConfig;
import ai.actnn.internal.TrainerPreparation;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A DJL {@link Trainer} whose gradient collectors run ActNN's compressed backward, so that
 * {@code EasyTrain.fit} and hand-written DJL loops train a converted model with compressed
 * activations, unchanged otherwise.
 */
public class ActNNTrainer extends Trainer {

    private final CompressionState compression;

    /**
     * Creates a trainer that compresses with a configuration of its own for its whole life.
     *
     * @param model the model (usually with a block from {@code QModule.convert})
     * @param trainingConfig DJL's training configuration
     * @param actnnConfig the compression configuration
     */
    public ActNNTrainer(Model model, TrainingConfig trainingConfig, ActNNConfig actnnConfig) {
        super(prepared(model, trainingConfig), trainingConfig);
        this.compression = new CompressionState(actnnConfig);
    }

    /** Does what DJL's {@code Model.newTrainer} does before it creates a trainer. */
    private static Model prepared(Model model, TrainingConfig trainingConfig) {
        TrainerPreparation.prepare(model, trainingConfig);
        return model;
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
     * Iterates a dataset like DJL's trainer, also telling the compression state the dataset
     * indices of each batch's samples (used by the adaptive level's per-sample gradient
     * statistics when use-gradient is on).
     *
     * @param dataset the dataset
     * @return the batches
     * @throws IOException if the dataset cannot be read
     * @throws TranslateException if a sample cannot be translated
     */
    @Override
    public Iterable<Batch> iterateDataset(Dataset dataset) throws IOException, TranslateException {
        Iterable<Batch> batches = super.iterateDataset(dataset);
        return () -> {
            Iterator<Batch> it = batches.iterator();
            return new Iterator<Batch>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Batch next() {
                    Batch batch = it.next();
                    compression.setSampleIndices(indicesOf(batch));
                    return batch;
                }
            };
        };
    }

    private static long[] indicesOf(Batch batch) {
        List<?> indices = batch.getIndices();
        if (indices == null) {
            return null;
        }
        long[] out = new long[indices.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = indices.get(i);
            if (!(o instanceof Number)) {
                return null;
            }
            out[i] = ((Number) o).longValue();
        }
        return out;
    }

    /**
     * Returns the compression configuration of this trainer.
     *
     * @return the configuration
     */
    public ActNNConfig getActNNConfig() {
        return compression.getConfig();
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
