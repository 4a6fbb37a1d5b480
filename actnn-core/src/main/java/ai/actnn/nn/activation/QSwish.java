package ai.actnn.nn.activation;

import ai.actnn.internal.ActivationOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;

/**
 * Swish {@code y = x * sigmoid(beta * x)} (SiLU when {@code beta = 1}) with a few-bit backward:
 * since {@code dy/dx = silu'(beta * x)}, the code of {@code beta * x} in SiLU's derivative table
 * serves every beta (see {@link QFewBitActivation}).
 */
public final class QSwish extends QFewBitActivation {

    private final float beta;

    /**
     * Wraps a block computing swish.
     *
     * @param swish the block (DJL's {@code Activation.swishBlock(beta)} or a recognised lambda)
     * @param beta its beta
     */
    public QSwish(Block swish, float beta) {
        super(swish, "QSwish");
        if (!Float.isFinite(beta)) {
            throw new IllegalArgumentException("swish beta " + beta + " is invalid: allowed is a finite number");
        }
        this.beta = beta;
    }

    /**
     * Returns swish's beta.
     *
     * @return beta
     */
    public float getBeta() {
        return beta;
    }

    @Override
    protected DerivativeTable table(int bits) {
        return DerivativeTable.silu(bits);
    }

    @Override
    protected double codeScale() {
        return beta;
    }

    @Override
    protected NDArray apply(NDArray x) {
        return Activation.swish(x, beta);
    }

    @Override
    protected NDArray exactBackward(NDArray grad, NDArray x, NDManager manager) {
        return ActivationOps.swishBackward(grad, x, beta, manager);
    }

    @Override
    public String displayName() {
        return beta == 1f ? "QSwish(SiLU)" : "QSwish(beta=" + beta + ")";
    }
}
