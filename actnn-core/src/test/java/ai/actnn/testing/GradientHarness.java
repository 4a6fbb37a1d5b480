package ai.actnn.testing;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Runs training steps of one block with plain autograd and with ActNN (the converted block,
 * sharing the same parameters) and returns the gradients of the parameters and of the input,
 * for comparisons against the exact fp32 gradients. The loss is {@code sum(output * r)} with a
 * fixed random {@code r}, so {@code dL/d(output) = r} whatever the output.
 */
public final class GradientHarness implements AutoCloseable {

    private final NDManager manager;
    private final Block block;
    private final Block converted;
    private ActNNConfig config;
    private final TrainingConfig trainingConfig;
    private final Model referenceModel;
    private final Model qModel;
    private final Trainer reference;
    private ActNNTrainer compressed;
    private NDList lastOutputs;

    /**
     * Builds the plain and the compressed trainer around one block.
     *
     * @param block the DJL block (initialized here)
     * @param inputShape the input shape
     * @param config the compression configuration of the ActNN side (see {@link #reconfigure})
     * @param referenceIsConverted whether the exact reference runs the converted block under a
     *     plain DJL trainer (for blocks DJL's PyTorch engine cannot run itself)
     */
    public GradientHarness(Block block, Shape inputShape, ActNNConfig config, boolean referenceIsConverted) {
        this(block, new Shape[] {inputShape}, DataType.FLOAT32, config, referenceIsConverted);
    }

    /**
     * Builds the plain and the compressed trainer around a block of several inputs, in a given
     * parameter type.
     *
     * @param block the DJL block (initialized here)
     * @param inputShapes the input shapes
     * @param dataType the parameters' type (FLOAT32 or FLOAT16)
     * @param config the compression configuration of the ActNN side
     * @param referenceIsConverted whether the exact reference runs the converted block
     */
    public GradientHarness(
            Block block, Shape[] inputShapes, DataType dataType, ActNNConfig config, boolean referenceIsConverted) {
        this.manager = NDManager.newBaseManager();
        this.block = block;
        this.config = config;
        DefaultTrainingConfig cfg =
                new DefaultTrainingConfig(Loss.l2Loss())
                        .optInitializer(new NormalInitializer(0.2f), Parameter.Type.WEIGHT);
        converted = QModule.convert(block);
        referenceModel = Model.newInstance("reference");
        referenceModel.setDataType(dataType);
        referenceModel.setBlock(referenceIsConverted ? converted : block);
        reference = referenceModel.newTrainer(cfg);
        reference.initialize(inputShapes);
        qModel = Model.newInstance("compressed");
        qModel.setBlock(converted);
        trainingConfig = cfg;
        compressed = new ActNNTrainer(qModel, cfg, config);
    }

    /**
     * Builds the harness with plain DJL as the reference.
     *
     * @param block the block
     * @param inputShape the input shape
     * @param config the compression configuration
     */
    public GradientHarness(Block block, Shape inputShape, ActNNConfig config) {
        this(block, inputShape, config, false);
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
     * Returns the configuration of the compressed side.
     *
     * @return the configuration
     */
    public ActNNConfig config() {
        return config;
    }

    /**
     * Changes the configuration of the compressed side: a trainer keeps its configuration for its
     * life, so the compressed trainer is replaced by one at the changed configuration (same model,
     * same parameters; the bit policy starts afresh).
     *
     * @param change the change, applied to a builder of the current configuration
     */
    public void reconfigure(UnaryOperator<ActNNConfig.Builder> change) {
        config = change.apply(config.toBuilder()).build();
        compressed.close();
        compressed = new ActNNTrainer(qModel, trainingConfig, config);
    }

    /**
     * Returns the outputs of the last training step (plain or compressed), copied.
     *
     * @return the outputs
     */
    public NDList lastOutputs() {
        return lastOutputs;
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
     * Returns the manager of the test data.
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs one step with plain autograd.
     *
     * @param x the input
     * @return gradients by parameter name, plus "input"
     */
    public Map<String, NDArray> exactGradients(NDArray x) {
        return step(reference, new NDList(x));
    }

    /**
     * Runs one step of a multi-input block with plain autograd.
     *
     * @param inputs the inputs (floating ones get gradients, "input0", "input1"...)
     * @return gradients by parameter name, plus those of the floating inputs
     */
    public Map<String, NDArray> exactGradients(NDList inputs) {
        return step(reference, inputs);
    }

    /**
     * Runs one step of a multi-input block with ActNN.
     *
     * @param inputs the inputs
     * @return gradients by parameter name, plus those of the floating inputs
     */
    public Map<String, NDArray> compressedGradients(NDList inputs) {
        return step(compressed, inputs);
    }

    /**
     * Runs one step with ActNN.
     *
     * @param x the input
     * @return gradients by parameter name, plus "input"
     */
    public Map<String, NDArray> compressedGradients(NDArray x) {
        return step(compressed, new NDList(x));
    }

    /**
     * Returns the average of the compressed gradients over {@code runs} seeds.
     *
     * @param x the input
     * @param runs the number of runs
     * @return the mean gradients
     */
    public Map<String, NDArray> meanCompressedGradients(NDArray x, int runs) {
        return meanCompressedGradients(new NDList(x), runs);
    }

    /**
     * Returns the average of the compressed gradients of a multi-input block over seeds.
     *
     * @param x the inputs
     * @param runs the number of runs
     * @return the mean gradients
     */
    public Map<String, NDArray> meanCompressedGradients(NDList x, int runs) {
        Map<String, NDArray> sum = null;
        // Consecutive steps draw independent random streams (the key mixes the seed and the step).
        for (int r = 0; r < runs; r++) {
            Map<String, NDArray> g = compressedGradients(x);
            if (sum == null) {
                sum = g;
            } else {
                for (Map.Entry<String, NDArray> e : g.entrySet()) {
                    sum.get(e.getKey()).addi(e.getValue());
                }
            }
        }
        for (NDArray a : sum.values()) {
            a.divi(runs);
        }
        return sum;
    }

    private Map<String, NDArray> step(Trainer trainer, NDList inputs) {
        zeroGradients();
        NDList xs = new NDList(inputs.size());
        for (NDArray input : inputs) {
            NDArray x = input.duplicate();
            x.attach(manager);
            if (x.getDataType().isFloating()) {
                x.setRequiresGradient(true);
            }
            xs.add(x);
        }
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDList outs = trainer.forward(xs);
            lastOutputs = new NDList(outs.size());
            for (NDArray out : outs) {
                NDArray copy = out.duplicate();
                copy.attach(manager);
                lastOutputs.add(copy);
            }
            NDArray loss = null;
            for (NDArray out : outs) {
                NDArray term = out.mul(weights(out.getShape(), out.getDataType())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (param.requiresGradient()) {
                NDArray g = param.getArray().getGradient().duplicate().toType(DataType.FLOAT32, false);
                g.attach(manager);
                grads.put(p.getKey(), g);
            }
        }
        for (int i = 0; i < xs.size(); i++) {
            NDArray x = xs.get(i);
            if (x.getDataType().isFloating()) {
                NDArray gx = x.getGradient().duplicate().toType(DataType.FLOAT32, false);
                gx.attach(manager);
                grads.put(xs.size() == 1 ? "input" : "input" + i, gx);
            }
        }
        return grads;
    }

    private NDArray weights(Shape shape, DataType type) {
        Random random = new Random(shape.size());
        float[] w = new float[(int) shape.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        NDArray r = manager.create(w, shape);
        return type == DataType.FLOAT32 ? r : r.toType(type, false);
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

    /**
     * Returns the largest relative error over all gradients whose exact norm is not negligible.
     *
     * @param approx the approximate gradients
     * @param exact the exact gradients
     * @return the worst relative error
     */
    public static double worstRelativeError(Map<String, NDArray> approx, Map<String, NDArray> exact) {
        double worst = 0;
        for (Map.Entry<String, NDArray> e : exact.entrySet()) {
            double norm = Math.sqrt(e.getValue().square().sum().getFloat());
            if (norm < 1e-4) {
                continue; // e.g. a bias followed by batch normalisation: exactly zero in theory
            }
            worst = Math.max(worst, relativeError(approx.get(e.getKey()), e.getValue()));
        }
        return worst;
    }

    /**
     * Returns the relative error of all gradients taken together, {@code ||a - b|| / ||b||} over
     * every parameter and input: what a whole model's update feels (one tensor with a tiny exact
     * gradient does not dominate it).
     *
     * @param approx the approximate gradients
     * @param exact the exact gradients
     * @return the relative error
     */
    public static double globalRelativeError(Map<String, NDArray> approx, Map<String, NDArray> exact) {
        double num = 0;
        double den = 0;
        for (Map.Entry<String, NDArray> e : exact.entrySet()) {
            num += approx.get(e.getKey()).sub(e.getValue()).square().sum().getFloat();
            den += e.getValue().square().sum().getFloat();
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    /**
     * Returns a configuration at a level.
     *
     * @param level the level
     * @return the configuration
     */
    public static ActNNConfig level(String level) {
        return ActNNConfig.forLevel(level);
    }

    @Override
    public void close() {
        compressed.close();
        reference.close();
        qModel.close();
        referenceModel.close();
        manager.close();
    }
}
