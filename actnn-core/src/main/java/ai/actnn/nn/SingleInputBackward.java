package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.store.SavedActivation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The recorded backward of a one-input op whose input gradient follows from one saved
 * activation (its input or its output) and the output gradient: activations, element-wise ops.
 */
public final class SingleInputBackward implements CompressedOp {

    /** Computes {@code dL/dx} from {@code dL/dy} and the restored activation. */
    @FunctionalInterface
    public interface Rule {
        /**
         * Applies the rule.
         *
         * @param grad dL/dy
         * @param restored the saved activation, restored
         * @param manager the owner of the result
         * @return dL/dx
         */
        NDArray apply(NDArray grad, NDArray restored, NDManager manager);
    }

    private final String name;
    private final SavedActivation saved;
    private final Rule rule;

    public SingleInputBackward(String name, SavedActivation saved, Rule rule) {
        this.name = name;
        this.saved = saved;
        this.rule = rule;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        try (NDArray restored = saved.restore(ctx.getManager())) {
            return new NDList(rule.apply(gradOutputs.singletonOrThrow(), restored, ctx.getManager()));
        }
    }

    @Override
    public void close() {
        saved.close();
    }
}
