package ai.actnn.examples.train;

import java.util.List;

/**
 * The outcome of a training run.
 *
 * @param model the model name
 * @param level the level
 * @param epochs one result per epoch, in order
 */
public record TrainingResult(String model, String level, List<EpochResult> epochs) {

    /**
     * Returns the test accuracy after the last epoch.
     *
     * @return the accuracy in [0, 1]
     */
    public double finalTestAccuracy() {
        return epochs.get(epochs.size() - 1).testAccuracy();
    }

    /**
     * Returns the test accuracies in percent, one per epoch (for charts).
     *
     * @return the accuracies
     */
    public double[] testAccuracyPercent() {
        return epochs.stream().mapToDouble(e -> 100 * e.testAccuracy()).toArray();
    }
}
