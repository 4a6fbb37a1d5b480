package ai.actnn.testing;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.engine.ActNNTrainer;
import ai.actnn.engine.CompressionState;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one training step of a block with plain DJL autograd and one with ActNN (the converted
 * block, sharing the same parameters), and returns the parameter and input gradients of each,
 * for comparisons against the exact fp32 gradients.
 */
public final class GradientHarness implements AutoCloseable {

    private final NDManager manager;
    private final Block block;
    private final Block converted;
    private final Model plainModel;
    private final Model qModel;
    private final Trainer plain;
    private final ActNNTrainer compressed;

    /**
     * Builds both models around one block.
     *
     * @param block the DJL block (initialized here)
     * @param inputShape the input shape
     * @param config the compression configuration for the ActNN side
     */
    public GradientHarness(Block block, Shape inputShape, ActNNConfig config) {
        this.manager = NDManager.newBaseManager();
        this.block = block;
        DefaultTrainingConfig cfg =
                new DefaultTrainingConfig(Loss.l2Loss()).optInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
        plainModel = Model.newInstance("plain");
        plainModel.setBlock(block);
        plain = plainModel.newTrainer(cfg);
        plain.initialize(inputShape);
        converted = QModule.convert(block);
        qModel = Model.newInstance("q");
        qModel.setBlock(converted);
        Supplier<ActNNConfig> source = () -> config;
        compressed = new ActNNTrainer(qModel, cfg, new CompressionState(source));
    }

    /**
     * Returns the converted block.
     *
     * @return the converted block
     */
    public Block converted() {
        return converted;
    }

    /**
     * Returns the ActNN trainer.
     *
     * @return the trainer
     */
    public ActNNTrainer compressedTrainer() {
        return compressed;
    }

    /**
     * Returns the manager for test data.
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs one step with plain autograd.
     *
     * @param x the input (a gradient with respect to it is returned under key "input")
     * @param target the regression target of an L2 loss on the block's output
     * @return gradients by parameter name, plus "input"
     */
    public Map<String, NDArray> plainGradients(NDArray x, NDArray target) {
        return step(plain, x, target);
    }

    /**
     * Runs one step with ActNN.
     *
     * @param x the input
     * @param target the target
     * @return gradients by parameter name, plus "input"
     */
    public Map<String, NDArray> compressedGradients(NDArray x, NDArray target) {
        return step(compressed, x, target);
    }

    private Map<String, NDArray> step(Trainer trainer, NDArray input, NDArray target) {
        zeroGradients();
        NDArray x = input.duplicate();
        x.attach(manager);
        x.setRequiresGradient(true);
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDList out = trainer.forward(new NDList(x));
            NDArray loss = out.singletonOrThrow().sub(target).square().sum();
            gc.backward(loss);
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (param.requiresGradient()) {
                NDArray g = param.getArray().getGradient().duplicate();
                g.attach(manager);
                grads.put(p.getKey(), g);
            }
        }
        NDArray gx = x.getGradient().duplicate();
        gx.attach(manager);
        grads.put("input", gx);
        return grads;
    }

    private void zeroGradients() {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (a.hasGradient()) {
                NDArray g = a.getGradient();
                g.subi(g);
            }
        }
    }

    /**
     * Returns the relative error {@code ||a - b|| / ||b||}.
     *
     * @param a the approximation
     * @param b the reference
     * @return the relative error
     */
    public static double relativeError(NDArray a, NDArray b) {
        double num = a.sub(b).square().sum().getFloat();
        double den = b.square().sum().getFloat();
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    @Override
    public void close() {
        compressed.close();
        plain.close();
        qModel.close();
        plainModel.close();
        manager.close();
    }

    /**
     * Returns a configuration at a level.
     *
     * @param level the level
     * @return the configuration
     */
    public static ActNNConfig level(String level) {
        return new ActNNConfig().setLevel(level);
    }

    static {
        ActNN.config();
    }
}
