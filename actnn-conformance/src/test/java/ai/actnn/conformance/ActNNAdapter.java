package ai.actnn.conformance;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.container.QParallel;
import ai.actnn.nn.container.QSequential;
import ai.actnn.nn.core.QGeneric;
import ai.actnn.training.ActNNTrainer;
import ai.actnn.training.StepStatistics;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The only class of the conformance suite that calls ActNN: converting a block, making a trainer
 * at a level, running one training step and reading what the engine kept. When the engine's API
 * changes, this is the one file to adapt.
 */
public final class ActNNAdapter {

    private ActNNAdapter() {}

    /**
     * Converts a block tree to Q-layers ({@code QModule.convert}).
     *
     * @param block the DJL block
     * @return the converted block
     */
    public static Block convert(Block block) {
        return QModule.convert(block);
    }

    /**
     * Creates an ActNN trainer at an optimization level, with its own configuration (not the
     * global one), so that trainers at different levels can coexist.
     *
     * @param model the model holding a converted block
     * @param trainingConfig DJL's training configuration
     * @param level "L0".."L5" or "auto"
     * @param seed the seed of the stochastic rounding
     * @return the trainer
     */
    public static Trainer newTrainer(Model model, TrainingConfig trainingConfig, String level, long seed) {
        return ActNN.newTrainer(model, trainingConfig, ActNNConfig.builder().optLevel(level).optSeed(seed).build());
    }

    /**
     * Runs one training step the way DJL's {@code EasyTrain.trainBatch} does (a gradient collector
     * from the trainer, {@code trainer.forward(data, labels)}, {@code collector.backward(loss)}),
     * without updating the parameters. Works for plain DJL trainers and ActNN trainers alike.
     *
     * @param trainer the trainer
     * @param data the inputs
     * @param loss the loss of the predictions
     * @return the predictions (valid until the caller closes their manager)
     */
    public static NDList step(Trainer trainer, NDList data, Function<NDList, NDArray> loss) {
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(data, new NDList());
            collector.backward(loss.apply(predictions));
            return predictions;
        }
    }

    /**
     * Returns the bytes the engine kept for the backward of the trainer's last step, by its own
     * count ({@code ActNNTrainer.getCompression().lastStep()}).
     *
     * @param trainer an ActNN trainer that ran a step
     * @return the bytes, or -1 if no step completed
     */
    public static long savedBytes(Trainer trainer) {
        StepStatistics last = ((ActNNTrainer) trainer).getCompression().lastStep();
        return last == null ? -1 : last.savedBytes();
    }

    /**
     * Returns how many compressed ops the trainer's last step recorded.
     *
     * @param trainer an ActNN trainer that ran a step
     * @return the count, or -1 if no step completed
     */
    public static long recordedOps(Trainer trainer) {
        StepStatistics last = ((ActNNTrainer) trainer).getCompression().lastStep();
        return last == null ? -1 : last.recordedOps();
    }

    /**
     * Returns what a converted block became: the Q-layer names that printing the converted block
     * shows (the names Q-containers give their children), counted over the whole tree. Blocks the
     * converter left as they were (DJL containers or leaves) are listed as {@code plain:Name}.
     *
     * @param converted the converted block
     * @return counts by name, sorted by name
     */
    public static Map<String, Integer> qLayerNames(Block converted) {
        Map<String, Integer> counts = new TreeMap<>();
        walk(converted, counts);
        return counts;
    }

    /**
     * Returns whether a Q-layer name is a fallback: the generic recomputing wrapper.
     *
     * @param name a name from {@link #qLayerNames}
     * @return whether it is a generic fallback
     */
    public static boolean isFallback(String name) {
        return name.startsWith("QGeneric") || name.startsWith("plain:");
    }

    /**
     * Returns the name a fallback refers to (the wrapped block or lambda), for finding it in log
     * messages.
     *
     * @param name a fallback name from {@link #qLayerNames}
     * @return the wrapped block's name
     */
    public static String fallbackSubject(String name) {
        if (name.startsWith("QGeneric(") && name.endsWith(")")) {
            return name.substring("QGeneric(".length(), name.length() - 1);
        }
        if (name.startsWith("plain:")) {
            return name.substring("plain:".length());
        }
        return name;
    }

    /**
     * Returns whether PyTorch may use oneDNN kernels (the test-jar listener turns them off).
     *
     * @return the process-wide switch
     */
    public static boolean isOneDnnEnabled() {
        return ai.actnn.internal.TorchBackends.isMkldnnEnabled();
    }

    private static void walk(Block block, Map<String, Integer> counts) {
        if (block instanceof QGeneric) {
            counts.merge(((QLayer) block).displayName(), 1, Integer::sum);
        } else if (block instanceof QLayer) {
            counts.merge(((QLayer) block).displayName(), 1, Integer::sum);
        } else if (block instanceof QSequential || block instanceof QParallel) {
            for (Block child : block.getChildren().values()) {
                walk(child, counts);
            }
        } else if (!block.getChildren().isEmpty()) {
            // A composite converted as a copy: its own arithmetic runs as ordinary ops.
            for (Block child : block.getChildren().values()) {
                walk(child, counts);
            }
        } else if (block instanceof LambdaBlock && "identity".equals(((LambdaBlock) block).getName())) {
            counts.merge("identity", 1, Integer::sum);
        } else {
            String name =
                    block instanceof LambdaBlock ? ((LambdaBlock) block).getName() : block.getClass().getSimpleName();
            counts.merge("plain:" + name, 1, Integer::sum);
        }
    }
}
