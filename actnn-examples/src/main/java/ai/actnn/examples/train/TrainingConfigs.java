package ai.actnn.examples.train;

import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.TrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/** The training configurations of the examples: softmax cross-entropy with Adam or SGD. */
public final class TrainingConfigs {

    private TrainingConfigs() {}

    /**
     * Classification with Adam (the MNIST examples).
     *
     * @param learningRate the learning rate
     * @return the configuration
     */
    public static TrainingConfig adam(float learningRate) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build());
    }

    /**
     * Classification with SGD and momentum 0.9 (the benchmarks, as ActNN's ResNet runs).
     *
     * @param learningRate the learning rate
     * @return the configuration
     */
    public static TrainingConfig sgdMomentum(float learningRate) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd()
                        .setLearningRateTracker(Tracker.fixed(learningRate))
                        .optMomentum(0.9f)
                        .build());
    }
}
