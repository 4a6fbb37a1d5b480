package ai.actnn.convert;

import ai.djl.nn.Block;

/**
 * Makes the Q-version of a block: a Q-layer (an {@link ai.actnn.nn.QBlock}) that shares the
 * block's parameters and computes what it computes, saving compressed activations in training.
 *
 * @param <B> the type of block converted
 */
@FunctionalInterface
public interface QLayerFactory<B extends Block> {

    /**
     * Converts a block.
     *
     * @param block the block; it must be left unchanged
     * @param children converts the block's children, for composite blocks
     * @return the Q-version, or null when this factory cannot convert this block (the converter
     *     then falls back to its generic recomputing wrapper)
     */
    Block convert(B block, Converter children);
}
