package ai.actnn.examples.engine;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

/**
 * The level setup that the CLI uses: plain DJL for {@code "plain"}, the ActNN engine for every other
 * level.
 *
 * <p>Wiring the engine in means replacing the body of {@link #newTrainer} for ActNN levels with:
 *
 * <pre>{@code
 * ActNN.setOptimizationLevel(level);
 * model.setBlock(QModule.convert(block));
 * return ActNN.newTrainer(model, config);
 * }</pre>
 *
 * and, if the engine reports it, overriding {@link #averageBits(Trainer)}.
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
        throw new IllegalStateException("engine not wired: level " + level
                + " needs the ActNN engine (only level plain runs in this build)");
    }
}
