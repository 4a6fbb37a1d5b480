package ai.actnn;

import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;
import ai.actnn.internal.TorchBackends;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.training.TrainingConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of ActNN for DJL: the default configuration and the training facade.
 *
 * <pre>{@code
 * ActNN.setOptimizationLevel("L3");
 * Block qnet = QModule.convert(net);
 * model.setBlock(qnet);
 * Trainer trainer = ActNN.newTrainer(model, config);
 * EasyTrain.fit(trainer, epochs, train, test);
 * }</pre>
 *
 * <p>Each trainer compresses with one immutable {@link ActNNConfig} for its whole life: the one
 * given to {@link #newTrainer(Model, TrainingConfig, ActNNConfig)}, or the default configuration
 * at the moment it is created. The default starts from system properties and environment
 * variables ({@link ActNNConfig#fromEnvironment()}: {@code -Dactnn.level=L3} or {@code
 * ACTNN_LEVEL=L3}), else L3; changing it later does not change trainers that exist.
 */
public final class ActNN {

    private static final Logger logger = LoggerFactory.getLogger(ActNN.class);

    private static volatile ActNNConfig defaultConfig;

    private ActNN() {}

    /**
     * Returns the default configuration, which new trainers take when none is given.
     *
     * @return the default configuration
     */
    public static ActNNConfig getDefaultConfig() {
        ActNNConfig c = defaultConfig;
        if (c == null) {
            synchronized (ActNN.class) {
                c = defaultConfig;
                if (c == null) {
                    c = ActNNConfig.fromEnvironment();
                    defaultConfig = c;
                    logger.debug("ActNN default configuration: {}", c);
                }
            }
        }
        return c;
    }

    /**
     * Replaces the default configuration for trainers created from now on.
     *
     * @param config the configuration
     * @throws IllegalArgumentException if it is null
     */
    public static void setDefaultConfig(ActNNConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("the default ActNN configuration must not be null");
        }
        defaultConfig = config;
    }

    /**
     * Applies an optimization level to the default configuration (ActNN's {@code
     * set_optimization_level}), for trainers created from now on. Levels are presets: applying one
     * resets every field that a level controls, so calls never stack.
     *
     * @param level {@code "L0"}..{@code "L5"} or {@code "auto"}, case-insensitive
     * @throws IllegalArgumentException for an unknown level, naming the allowed ones
     */
    public static void setOptimizationLevel(String level) {
        setOptimizationLevel(OptimizationLevel.parse(level));
    }

    /**
     * Applies an optimization level to the default configuration, for trainers created from now
     * on.
     *
     * @param level the level
     */
    public static synchronized void setOptimizationLevel(OptimizationLevel level) {
        setDefaultConfig(getDefaultConfig().toBuilder().optLevel(level).build());
        logger.info("ActNN optimization level {}", level.label());
    }

    /**
     * Returns the level of the default configuration.
     *
     * @return the level
     */
    public static OptimizationLevel getOptimizationLevel() {
        return getDefaultConfig().getLevel();
    }

    /**
     * Creates a DJL trainer that trains with compressed activations at the default configuration
     * as it is now: its gradient collectors record the Q-layers of each step and run their
     * compressed backward right after the loss's backward, so {@code EasyTrain.fit} and
     * hand-written loops work unchanged.
     *
     * @param model the model, usually holding a block from {@link QModule#convert}
     * @param trainingConfig DJL's training configuration
     * @return the trainer
     */
    public static ActNNTrainer newTrainer(Model model, TrainingConfig trainingConfig) {
        return newTrainer(model, trainingConfig, getDefaultConfig());
    }

    /**
     * Creates a DJL trainer that trains with compressed activations at the given configuration.
     *
     * @param model the model, usually holding a block from {@link QModule#convert}
     * @param trainingConfig DJL's training configuration
     * @param actnnConfig the compression configuration of this trainer
     * @return the trainer
     */
    public static ActNNTrainer newTrainer(Model model, TrainingConfig trainingConfig, ActNNConfig actnnConfig) {
        return new ActNNTrainer(model, trainingConfig, actnnConfig);
    }

    /**
     * Replaces the default configuration by a fresh one read from the environment.
     */
    public static void resetDefaultConfig() {
        setDefaultConfig(ActNNConfig.fromEnvironment());
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
}
