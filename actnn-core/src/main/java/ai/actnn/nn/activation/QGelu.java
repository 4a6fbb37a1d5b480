package ai.actnn.nn.activation;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;

/**
 * GELU (erf form, DJL's {@code Activation.gelu}) with a few-bit backward: 2 bits per element at
 * L3 instead of the 32-bit input (see {@link QFewBitActivation}).
 */
public final class QGelu extends QFewBitActivation {

    /**
     * Wraps a block computing GELU (DJL's {@code Activation.geluBlock()} or a lambda recognised
     * as GELU).
     *
     * @param gelu the block
     */
    public QGelu(Block gelu) {
        super(gelu, "QGelu");
    }

    @Override
    protected DerivativeTable table(int bits) {
        return DerivativeTable.gelu(bits);
    }

    @Override
    protected double codeScale() {
        return 1;
    }

    @Override
    protected NDArray apply(NDArray x) {
        return Activation.gelu(x);
    }

    @Override
    protected NDArray exactBackward(NDArray grad, NDArray x, NDManager manager) {
        return ActivationOps.geluBackward(grad, x, manager);
    }
}
