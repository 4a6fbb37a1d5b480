package ai.actnn;

import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;
import ai.actnn.training.ActNNTrainer;
import ai.actnn.internal.TorchBackends;
import ai.djl.Model;
import ai.djl.training.TrainingConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of ActNN for DJL: the global configuration and the training facade.
 *
 * <pre>{@code
 * ActNN.setOptimizationLevel("L3");
 * Block qnet = QModule.convert(net);
 * model.setBlock(qnet);
 * Trainer trainer = ActNN.newTrainer(model, config);
 * EasyTrain.fit(trainer, epochs, train, test);
 * }</pre>
 *
 * <p>The global configuration starts from system properties and environment variables ({@link
 * ActNNConfig#fromEnvironment()}: {@code -Dactnn.level=L3} or {@code ACTNN_LEVEL=L3}), else L3.
 * Each training step takes a snapshot of it, so it may be changed between steps.
 */
public final class ActNN {

    private static final Logger logger = LoggerFactory.getLogger(ActNN.class);

    private static volatile ActNNConfig global;

    private ActNN() {}

    /**
     * Returns the live global configuration; changes apply from the next training step.
     *
     * @return the global configuration
     */
    public static ActNNConfig config() {
        ActNNConfig c = global;
        if (c == null) {
            synchronized (ActNN.class) {
                c = global;
                if (c == null) {
                    c = ActNNConfig.fromEnvironment();
                    global = c;
                    logger.debug("ActNN configuration: {}", c);
                }
            }
        }
        return c;
    }

    /**
     * Applies an optimization level to the global configuration (ActNN's
     * {@code set_optimization_level}). Levels are presets: applying one resets every field that a
     * level controls, so calls never stack.
     *
     * @param level {@code "L0"}..{@code "L5"} or {@code "auto"}, case-insensitive
     * @throws IllegalArgumentException for an unknown level, naming the allowed ones
     */
    public static void setOptimizationLevel(String level) {
        setOptimizationLevel(OptimizationLevel.parse(level));
    }

    /**
     * Applies an optimization level to the global configuration.
     *
     * @param level the level
     */
    public static void setOptimizationLevel(OptimizationLevel level) {
        config().setLevel(level);
        logger.info("ActNN optimization level {}", level.label());
    }

    /**
     * Returns the level of the global configuration.
     *
     * @return the level
     */
    public static OptimizationLevel getOptimizationLevel() {
        return config().getLevel();
    }

    /**
     * Creates a DJL trainer that trains with compressed activations: its gradient collectors
     * record the Q-layers of each step and run their compressed backward right after the
     * loss's backward, so {@code EasyTrain.fit} and hand-written loops work unchanged.
     *
     * @param model the model, usually holding a block from {@link QModule#convert}
     * @param trainingConfig DJL's training configuration
     * @return the trainer (a {@link ActNNTrainer})
     */
    public static ActNNTrainer newTrainer(Model model, TrainingConfig trainingConfig) {
        return new ActNNTrainer(model, trainingConfig);
    }

    /**
     * Turns PyTorch's oneDNN (mkldnn) kernels on or off for the whole process, as Python's {@code
     * torch.backends.mkldnn.enabled} does; DJL offers no such switch. Off, PyTorch runs its own
     * convolutions: use it where oneDNN's convolution backward crashes (SIGFPE, see
     * docs/troubleshooting.md). It affects every model of the process, converted or not.
     *
     * @param enabled whether PyTorch may use oneDNN
     * @throws IllegalStateException if DJL's PyTorch engine was not loaded from its native jar
     */
    public static void setMkldnnEnabled(boolean enabled) {
        TorchBackends.setMkldnnEnabled(enabled);
    }

    /**
     * Replaces the global configuration by a fresh one read from the environment (for tests and
     * applications that train several models with different settings).
     */
    public static void resetConfig() {
        synchronized (ActNN.class) {
            global = ActNNConfig.fromEnvironment();
        }
    }
}
