package ai.actnn.autograd;

import ai.actnn.policy.BitPolicy;

import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/** What a {@link CompressedOp} may use while computing its backward. */
public final class BackwardContext {

    private final NDManager manager;
    private final boolean[] needsInput;
    private final BitPolicy policy;

    BackwardContext(NDManager manager, boolean[] needsInput, BitPolicy policy) {
        this.manager = manager;
        this.needsInput = needsInput;
        this.policy = policy;
    }

    /**
     * Returns the manager that owns temporaries and results of this backward.
     *
     * @return the manager
     */
    public NDManager getManager() {
        return manager;
    }

    /**
     * Returns whether an input needs a gradient (it comes from another op or requires one).
     *
     * @param input the input index
     * @return whether to compute its gradient
     */
    public boolean needsInputGradient(int input) {
        return input < needsInput.length && needsInput[input];
    }

    /**
     * Adds a gradient to a parameter's gradient, where DJL's optimizer reads it. The parameter
     * must be the array that {@code ParameterStore.getValue} returned in the forward.
     *
     * @param parameter the parameter array (a leaf that requires gradient)
     * @param gradient its gradient contribution
     */
    public void accumulateParameterGradient(NDArray parameter, NDArray gradient) {
        if (parameter == null || gradient == null || !parameter.hasGradient()) {
            return;
        }
        // Backward on a leaf accumulates into its .grad, as autograd would.
        JniUtils.backward(NativeOps.ptArray(parameter), NativeOps.ptArray(gradient), false, false);
    }

    /**
     * Returns the bit policy of the step (for ops that report statistics).
     *
     * @return the policy
     */
    public BitPolicy getPolicy() {
        return policy;
    }
}
