package ai.actnn.examples.engine;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Prepares training at one level: sets the (possibly converted) network on the model and returns
 * the trainer. Everything else (data, loop, timing, memory) is the runners' job, so that the
 * engine plugs in here and nowhere else.
 *
 * <p>For level {@code "plain"} an implementation sets the block unchanged and returns {@code
 * model.newTrainer(config)}. For an ActNN level it applies the level, converts the block
 * ({@code QModule.convert}), sets it on the model and returns {@code ActNN.newTrainer(model,
 * config)}.
 */
@FunctionalInterface
public interface LevelSetup {

    /**
     * Creates the trainer for a level.
     *
     * @param level a canonical level name ({@link Levels}): {@code "plain"}, {@code "L0"}..{@code
     *     "L5"} or {@code "auto"}
     * @param block the plain DJL network, not yet initialized
     * @param model a fresh model without a block; the implementation must set one on it
     * @param config the training configuration (loss, optimizer, initializer, evaluators)
     * @return a trainer for the model (the caller initializes and closes it)
     * @throws IllegalStateException if the level cannot be set up here (for instance, the engine
     *     is not available)
     */
    Trainer newTrainer(String level, Block block, Model model, TrainingConfig config);

    /**
     * Returns the average number of bits per stored activation element of the last training step,
     * if the engine reports it (a hook for the benchmark's {@code bits_avg}).
     *
     * @param trainer a trainer that this setup created
     * @return the average bits, or empty when unknown (plain training, or an engine that does not
     *     report it)
     */
    default OptionalDouble averageBits(Trainer trainer) {
        return OptionalDouble.empty();
    }

    /**
     * Returns the bytes the engine kept for backward in the last training step, by its own count
     * (a hook for the benchmark's {@code saved_mb}).
     *
     * @param trainer a trainer that this setup created
     * @return the bytes, or empty when unknown
     */
    default OptionalLong savedBytes(Trainer trainer) {
        return OptionalLong.empty();
    }
}
