package ai.actnn.examples.train;

import ai.actnn.memory.MemoryWindow;
import ai.actnn.memory.ProcessMemory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;

/**
 * One training step, written out the way DJL's {@code EasyTrain.trainBatch} does it (so that an
 * engine that overrides {@link Trainer#newGradientCollector()} takes part unchanged), with a
 * memory window around it:
 *
 * <pre>
 * open window (RSS before, peak reset) → forward → mark (RSS after forward) → loss → backward
 * → step → close window (peak)
 * </pre>
 */
public final class TrainingStep {

    private TrainingStep() {}

    /**
     * Runs one step. The caller owns the batch arrays and closes them (with every intermediate the
     * step created in their manager) afterwards.
     *
     * @param trainer the trainer
     * @param data the inputs
     * @param labels the labels (class indices)
     * @param measureMemory whether to open a memory window (Linux only)
     * @return the loss, number correct, time and memory
     */
    public static StepResult run(Trainer trainer, NDList data, NDList labels, boolean measureMemory) {
        MemoryWindow window = measureMemory ? ProcessMemory.openWindow() : null;
        long start = System.nanoTime();
        float loss;
        long correct;
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(data, labels);
            if (window != null) {
                window.mark();
            }
            NDArray lossValue = trainer.getLoss().evaluate(labels, predictions);
            collector.backward(lossValue);
            loss = lossValue.getFloat();
            correct = countCorrect(predictions.singletonOrThrow(), labels.singletonOrThrow());
        }
        trainer.step();
        long nanos = System.nanoTime() - start;
        return new StepResult(loss, correct, nanos, window == null ? null : window.close());
    }

    /**
     * Counts the rows whose arg-max equals the label.
     *
     * @param logits {@code [N, classes]}
     * @param labels {@code [N]} class indices
     * @return the number of correct predictions
     */
    public static long countCorrect(NDArray logits, NDArray labels) {
        try (NDArray predicted = logits.argMax(1);
                NDArray asLabels = predicted.toType(labels.getDataType(), false);
                NDArray equal = asLabels.eq(labels.reshape(asLabels.getShape()));
                NDArray count = equal.countNonzero()) {
            return count.getLong();
        }
    }
}
