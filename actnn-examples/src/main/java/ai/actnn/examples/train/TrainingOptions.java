package ai.actnn.examples.train;

/**
 * What to train and how.
 *
 * <p>Invalid values (non-positive sizes, a learning rate that is not a finite positive number)
 * throw {@link IllegalArgumentException}.
 *
 * @param model a model name of {@link ai.actnn.examples.models.ModelCatalog#MNIST_NAMES} (the
 *     image models, or {@code transformer}: MNIST rows as a sequence)
 * @param level a canonical level name ({@link ai.actnn.examples.engine.Levels})
 * @param epochs number of passes over the training set, at least 1
 * @param batchSize images per step
 * @param learningRate Adam's learning rate
 * @param seed seed of initialization, shuffling and (through the engine) stochastic rounding
 * @param maxStepsPerEpoch a cap on steps per epoch for short demos (0: no cap)
 */
public record TrainingOptions(
        String model, String level, int epochs, int batchSize, float learningRate, long seed, int maxStepsPerEpoch) {

    /**
     * Validates the options.
     *
     * @param model see the record description
     * @param level see the record description
     * @param epochs see the record description
     * @param batchSize see the record description
     * @param learningRate see the record description
     * @param seed see the record description
     * @param maxStepsPerEpoch see the record description
     * @throws IllegalArgumentException for an invalid value
     */
    public TrainingOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, not " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, not " + batchSize);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, not " + learningRate);
        }
        if (maxStepsPerEpoch < 0) {
            throw new IllegalArgumentException("max steps per epoch must be >= 0, not " + maxStepsPerEpoch);
        }
    }
}
