package ai.actnn.examples.engine;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

/** Plain DJL training: the block is used unchanged and the trainer is DJL's own. */
public final class PlainLevelSetup implements LevelSetup {

    /**
     * Creates DJL's trainer for the unchanged block.
     *
     * @param level must be {@code "plain"}
     * @param block the network
     * @param model the model, which receives the block
     * @param config the training configuration
     * @return DJL's trainer
     * @throws IllegalArgumentException for any other level
     */
    @Override
    public Trainer newTrainer(String level, Block block, Model model, TrainingConfig config) {
        if (!Levels.isPlain(level)) {
            throw new IllegalArgumentException("PlainLevelSetup only sets up level plain, not " + level);
        }
        model.setBlock(block);
        return model.newTrainer(config);
    }
}
