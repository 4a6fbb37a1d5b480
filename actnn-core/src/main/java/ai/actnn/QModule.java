package ai.actnn;

import ai.actnn.convert.Converter;
import ai.djl.nn.Block;

/**
 * Converts DJL models to use ActNN's Q-layers (ActNN's {@code QModule}).
 *
 * <pre>{@code
 * Block qnet = QModule.convert(net);   // Conv/BatchNorm/ReLU/Linear/... -> Q-layers
 * model.setBlock(qnet);
 * }</pre>
 *
 * <p>The converted model shares the original's parameters, computes exactly the same outputs,
 * and saves parameter files that the original loads (and back). It compresses activations when
 * trained with a trainer from {@link ActNN#newTrainer}; the optimization level in force at each
 * step decides how. Blocks without a dedicated Q-layer are wrapped in {@link
 * ai.actnn.nn.core.QGeneric}, which compresses their inputs and recomputes them in backward.
 */
public final class QModule {

    private QModule() {}

    /**
     * Converts a block tree.
     *
     * @param block the model's block
     * @return the converted block
     */
    public static Block convert(Block block) {
        if (block == null) {
            throw new IllegalArgumentException("block must not be null");
        }
        return new Converter().convert(block);
    }
}
