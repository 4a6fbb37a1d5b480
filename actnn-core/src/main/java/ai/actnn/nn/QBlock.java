package ai.actnn.nn;

import ai.djl.nn.Block;

/**
 * Marks a block that already trains with compressed activations: a Q-layer or a Q-container. The
 * converter leaves such blocks as they are, and containers free the full-precision outputs that
 * only such blocks consumed. Implement it on a user's own Q-layer registered with {@code
 * QModule.register}.
 */
public interface QBlock extends Block {}
