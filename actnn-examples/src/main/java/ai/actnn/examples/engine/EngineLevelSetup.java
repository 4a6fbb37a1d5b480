package ai.actnn.examples.engine;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.training.ActNNTrainer;
import ai.actnn.training.StepStatistics;
import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The level setup that the CLI uses: plain DJL for {@code "plain"}, the ActNN engine for every other
 * level. Each ActNN trainer gets its own copy of the global configuration (so the environment's
 * settings apply) at the requested level, so levels compared in one run do not disturb each other.
 */
public final class EngineLevelSetup implements LevelSetup {

    private final LevelSetup plain = new PlainLevelSetup();

    /**
     * Creates the trainer for a level.
     *
     * @param level a canonical level name
     * @param block the plain network
     * @param model the model, which receives the (converted) block
     * @param config the training configuration
     * @return the trainer
     * @throws IllegalStateException for ActNN levels until the engine is wired in
     */
    @Override
    public Trainer newTrainer(String level, Block block, Model model, TrainingConfig config) {
        if (Levels.isPlain(level)) {
            return plain.newTrainer(level, block, model, config);
        }
        ActNNConfig levelConfig = ActNN.getDefaultConfig().toBuilder().optLevel(level).build();
        // The configuration decides whether batch norms become QSyncBatchNorm (--sync-bn).
        model.setBlock(QModule.convert(block, levelConfig));
        return ActNN.newTrainer(model, config, levelConfig);
    }

    /**
     * Returns the average stored bits per saved element of the trainer's last step.
     *
     * @param trainer the trainer
     * @return the average bits, or empty for plain DJL trainers
     */
    @Override
    public OptionalDouble averageBits(Trainer trainer) {
        if (trainer instanceof ActNNTrainer) {
            StepStatistics last = ((ActNNTrainer) trainer).getCompression().lastStep();
            if (last != null && !Double.isNaN(last.averageBits())) {
                return OptionalDouble.of(last.averageBits());
            }
        }
        return OptionalDouble.empty();
    }

    /**
     * Returns the bytes the engine kept for backward in the trainer's last step.
     *
     * @param trainer the trainer
     * @return the bytes, or empty for plain DJL trainers
     */
    @Override
    public OptionalLong savedBytes(Trainer trainer) {
        if (trainer instanceof ActNNTrainer) {
            StepStatistics last = ((ActNNTrainer) trainer).getCompression().lastStep();
            if (last != null) {
                return OptionalLong.of(last.savedBytes());
            }
        }
        return OptionalLong.empty();
    }
}
