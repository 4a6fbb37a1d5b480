package ai.actnn.nn.activation;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.quant.CodeTable;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Leaky ReLU {@code y = x > 0 ? x : alpha * x} (DJL's {@code Activation.leakyReluBlock(alpha)},
 * or a block proven to compute it, such as {@code maximum(x, alpha * x)}) that keeps one bit per
 * element instead of its input: exact at every level.
 *
 * <p>The bit is a code whose value is the gradient factor ({@code 1} where {@code x > 0}, {@code
 * alpha} elsewhere), so the backward is {@code dy * factor}: exactly PyTorch's {@code
 * leaky_relu_backward} ({@code x > 0 ? dy : dy * alpha}). A block whose gradient exactly at 0
 * differs from {@code alpha} ({@code maximum} passes half to each argument there) gets a 2-bit
 * code with a third value for {@code x == 0}.
 */
public final class QLeakyReLU extends QLayer {

    private final float alpha;
    private final float atZero;
    private final CodeTable factors;

    /**
     * Wraps a block computing leaky ReLU with PyTorch's gradient at 0 ({@code alpha}).
     *
     * @param block the block
     * @param alpha the slope for negative inputs
     */
    public QLeakyReLU(Block block, float alpha) {
        this(block, alpha, alpha);
    }

    /**
     * Wraps a block computing leaky ReLU.
     *
     * @param block the block
     * @param alpha the slope for negative inputs
     * @param atZero the block's gradient factor exactly at 0
     * @throws IllegalArgumentException if a factor is not finite
     */
    public QLeakyReLU(Block block, float alpha, float atZero) {
        super(block);
        if (!Float.isFinite(alpha) || !Float.isFinite(atZero)) {
            throw new IllegalArgumentException(
                    "leaky ReLU with slope " + alpha + " and gradient " + atZero
                            + " at 0 is invalid: allowed are finite numbers");
        }
        this.alpha = alpha;
        this.atZero = atZero;
        // Codes count the boundaries below the value: (-inf, b0], (b0, b1], ...
        this.factors = atZero == alpha
                ? new CodeTable(new float[] {0f}, new float[] {alpha, 1f}, 1)
                : new CodeTable(new float[] {-Float.MIN_VALUE, 0f}, new float[] {alpha, atZero, 1f}, 2);
    }

    /**
     * Returns the slope for negative inputs.
     *
     * @return alpha
     */
    public float getAlpha() {
        return alpha;
    }

    /**
     * Returns the bits kept per element.
     *
     * @return 1, or 2 when the gradient at 0 is neither alpha nor 1
     */
    public int bits() {
        return factors.bits();
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        return tape.apply(new Function(alpha, factors), inputs);
    }

    @Override
    public String displayName() {
        return atZero == alpha ? "QLeakyReLU(alpha=" + alpha + ")" : "QLeakyReLU(alpha=" + alpha + ", at 0: " + atZero + ")";
    }

    /** The op: PyTorch's leaky ReLU; keeps the code of each element's gradient factor. */
    private static final class Function implements QFunction {

        private final float alpha;
        private final CodeTable factors;

        Function(float alpha, CodeTable factors) {
            this.alpha = alpha;
            this.factors = factors;
        }

        @Override
        public String name() {
            return "QLeakyReLU";
        }

        @Override
        public NDList forward(ForwardContext ctx, NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            ctx.saveCodes(x, factors, 1f);
            return new NDList(Activation.leakyRelu(x, alpha));
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            return new NDList(ctx.needsInputGradient(0) ? ctx.applyCodes(0, gradOutputs.singletonOrThrow()) : null);
        }
    }
}
