package ai.actnn;

import ai.actnn.config.ActNNConfig;
import ai.actnn.convert.ConversionRegistry;
import ai.actnn.convert.Converter;
import ai.actnn.convert.QLayerFactory;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.nn.norm.QSyncBatchNorm;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.GhostBatchNorm;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts DJL models to use ActNN's Q-layers (ActNN's {@code QModule}).
 *
 * <pre>{@code
 * Block qnet = QModule.convert(net);   // Conv/BatchNorm/ReLU/Linear/... -> Q-layers
 * model.setBlock(qnet);
 * }</pre>
 *
 * <p>The converted model shares the original's parameters, computes exactly the same outputs,
 * and saves parameter files that the original loads (and back); the original block tree is left
 * unchanged and stays usable. It compresses activations when trained with a trainer from {@link
 * ActNN#newTrainer}. Blocks without a dedicated Q-layer are wrapped in {@link
 * ai.actnn.nn.core.QGeneric}, which compresses their inputs and recomputes them in backward; a
 * block of your own gets a Q-layer of yours with {@link #register}.
 */
public final class QModule {

    private static final Logger logger = LoggerFactory.getLogger(QModule.class);

    private static final ConversionRegistry REGISTRY = ConversionRegistry.defaults();

    private QModule() {}

    /**
     * Converts a block tree with the default registry (the library's entries and those added
     * with {@link #register}).
     *
     * @param block the model's block (left unchanged)
     * @return the converted block
     * @throws IllegalArgumentException if the block is null
     */
    public static Block convert(Block block) {
        return convert(block, REGISTRY);
    }

    /**
     * Converts a block tree with the default registry as a configuration asks: with {@link
     * ActNNConfig#isSyncBatchNorm()} every {@code BatchNorm} becomes a {@link QSyncBatchNorm}
     * (batch statistics over all splits and processes of a step; ghost batch norms stay {@link
     * QBatchNorm}), as ActNN converts PyTorch's {@code SyncBatchNorm}.
     *
     * @param block the model's block (left unchanged)
     * @param config the configuration
     * @return the converted block
     * @throws IllegalArgumentException if an argument is null
     */
    public static Block convert(Block block, ActNNConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (!config.isSyncBatchNorm()) {
            return convert(block, REGISTRY);
        }
        ConversionRegistry sync = REGISTRY.copy();
        sync.register(BatchNorm.class, (Function<BatchNorm, Block>)
                bn -> bn instanceof GhostBatchNorm ? new QBatchNorm(bn) : new QSyncBatchNorm(bn));
        return convert(block, sync);
    }

    /**
     * Converts a block tree with a registry of one's own.
     *
     * @param block the model's block (left unchanged)
     * @param registry the conversion entries
     * @return the converted block
     * @throws IllegalArgumentException if an argument is null
     */
    public static Block convert(Block block, ConversionRegistry registry) {
        if (block == null) {
            throw new IllegalArgumentException("block must not be null");
        }
        Converter converter = new Converter(registry);
        Block converted = converter.convert(block);
        logger.info("ActNN converted {}: {}", block.getClass().getSimpleName(), converter.getCounts());
        return converted;
    }

    /**
     * Registers the Q-layer of a block class of your own (and of its subclasses) in the default
     * registry; it also overrides the library's entry for a DJL class.
     *
     * @param type the block class
     * @param factory from a block to its Q-layer, an {@link ai.actnn.nn.QBlock}
     * @param <B> the block type
     */
    public static <B extends Block> void register(Class<B> type, Function<? super B, ? extends Block> factory) {
        REGISTRY.register(type, factory);
    }

    /**
     * Registers the Q-layer of a composite block class of your own, whose factory converts the
     * children it needs with the given converter.
     *
     * @param type the block class
     * @param factory the factory
     * @param <B> the block type
     */
    public static <B extends Block> void register(Class<B> type, QLayerFactory<? super B> factory) {
        REGISTRY.register(type, factory);
    }

    /**
     * Returns a new registry holding the library's entries, to extend without touching the
     * default one.
     *
     * @return the registry
     */
    public static ConversionRegistry newRegistry() {
        return ConversionRegistry.defaults();
    }
}
