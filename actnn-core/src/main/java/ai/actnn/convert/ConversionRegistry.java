package ai.actnn.convert;

import ai.actnn.nn.QBlock;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The table from DJL block classes (and names of DJL's lambda blocks) to the factories of their
 * Q-layers. A block class without an entry of its own takes the entry of its nearest superclass
 * that has one. {@link #defaults()} holds the library's own entries; users add theirs for their
 * own blocks, and may override built-in ones:
 *
 * <pre>{@code
 * QModule.register(MyBlock.class, b -> new QMyBlock(b));
 * }</pre>
 *
 * <p>Registries are safe to use from several threads.
 */
public final class ConversionRegistry {

    private final Map<Class<?>, QLayerFactory<?>> byClass = new ConcurrentHashMap<>();
    private final Map<String, QLayerFactory<LambdaBlock>> byLambdaName = new ConcurrentHashMap<>();

    private ConversionRegistry() {}

    /**
     * Returns an empty registry.
     *
     * @return the registry
     */
    public static ConversionRegistry empty() {
        return new ConversionRegistry();
    }

    /**
     * Returns a new registry holding the library's entries for DJL's blocks.
     *
     * @return the registry
     */
    public static ConversionRegistry defaults() {
        ConversionRegistry registry = new ConversionRegistry();
        BuiltInRules.registerAll(registry);
        return registry;
    }

    /**
     * Returns a new registry holding this one's entries, to change without touching this one.
     *
     * @return the copy
     */
    public ConversionRegistry copy() {
        ConversionRegistry copy = new ConversionRegistry();
        copy.byClass.putAll(byClass);
        copy.byLambdaName.putAll(byLambdaName);
        return copy;
    }

    /**
     * Registers the factory of a block class (and, unless they have their own, its subclasses).
     *
     * @param type the block class
     * @param factory the factory
     * @param <B> the block type
     * @return this registry
     * @throws IllegalArgumentException if an argument is null or the class is a Q-block already
     */
    public <B extends Block> ConversionRegistry register(Class<B> type, QLayerFactory<? super B> factory) {
        if (type == null || factory == null) {
            throw new IllegalArgumentException("block class and factory must not be null");
        }
        if (QBlock.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(
                    type.getName() + " is already a Q-block: allowed are block classes that train uncompressed");
        }
        byClass.put(type, factory);
        return this;
    }

    /**
     * Registers a simple factory of a block class, for blocks without children to convert.
     *
     * @param type the block class
     * @param factory from the block to its Q-layer
     * @param <B> the block type
     * @return this registry
     */
    public <B extends Block> ConversionRegistry register(Class<B> type, Function<? super B, ? extends Block> factory) {
        if (factory == null) {
            throw new IllegalArgumentException("block class and factory must not be null");
        }
        return register(type, (QLayerFactory<B>) (block, children) -> factory.apply(block));
    }

    /**
     * Registers the factory of DJL lambda blocks by their name (e.g. {@code "ReLU"}).
     *
     * @param name the lambda block's name
     * @param factory the factory
     * @return this registry
     */
    public ConversionRegistry registerLambda(String name, QLayerFactory<LambdaBlock> factory) {
        if (name == null || factory == null) {
            throw new IllegalArgumentException("lambda name and factory must not be null");
        }
        byLambdaName.put(name, factory);
        return this;
    }

    /**
     * Returns the factory for a block: its lambda name's, else its class's or its nearest
     * registered superclass's.
     *
     * @param block the block
     * @return the factory, or null if there is none
     */
    @SuppressWarnings("unchecked")
    QLayerFactory<Block> factoryFor(Block block) {
        if (block instanceof LambdaBlock lambda) {
            QLayerFactory<LambdaBlock> named = byLambdaName.get(lambda.getName());
            if (named != null) {
                return (b, children) -> named.convert((LambdaBlock) b, children);
            }
        }
        for (Class<?> c = block.getClass(); c != null && Block.class.isAssignableFrom(c); c = c.getSuperclass()) {
            QLayerFactory<?> f = byClass.get(c);
            if (f != null) {
                return (QLayerFactory<Block>) f;
            }
        }
        return null;
    }
}
