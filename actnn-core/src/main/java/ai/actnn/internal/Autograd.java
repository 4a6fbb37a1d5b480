package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;

/** Questions to PyTorch's autograd that DJL's Java API cannot ask. Results are attached to the given manager. */
public final class Autograd {

    private Autograd() {}

    /**
     * Returns whether each array takes part in autograd: a leaf that requires a gradient, or the
     * result of recorded ops. (DJL's {@code JniUtils.requiresGrad} answers true only for leaves.)
     *
     * @param arrays the arrays
     * @return one flag per array
     */
    public static boolean[] requiresGrad(NDArray... arrays) {
        if (arrays.length == 0) {
            return new boolean[0];
        }
        PtNDArray[] pt = new PtNDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            pt[i] = PtHandles.array(arrays[i]);
        }
        List<IValue> inputs = new ArrayList<>(1);
        IValue result = null;
        try {
            inputs.add(IValue.listFrom(pt));
            result = TorchScriptModule.runMethod("requires_grad", inputs);
            return result.toBooleanArray();
        } finally {
            inputs.get(0).close();
            if (result != null) {
                result.close();
            }
        }
    }

    /**
     * Runs autograd's backward from {@code target} with the given output gradient. On a leaf that
     * requires a gradient it accumulates {@code grad} into the leaf's gradient, as autograd does;
     * elsewhere it continues through the recorded graph.
     *
     * @param target the array to differentiate
     * @param grad dL/d(target), of the target's shape
     * @param keepGraph whether to keep the graph for a later backward through the same ops
     */
    public static void backward(NDArray target, NDArray grad, boolean keepGraph) {
        JniUtils.backward(PtHandles.array(target), PtHandles.array(grad), keepGraph, false);
    }

    /**
     * Returns the gradient autograd accumulated on an array, or null if none (DJL's {@code
     * getGradient} returns a new zero array instead, which cannot tell the two apart).
     *
     * @param array the array
     * @return the gradient (a new handle the caller closes) or null
     */
    public static NDArray gradientOrNull(NDArray array) {
        return JniUtils.getGradient(PtHandles.array(array));
    }

    /**
     * Returns whether autograd records ops on this thread.
     *
     * @return the grad mode
     */
    public static boolean isGradMode() {
        return JniUtils.isGradMode();
    }

    /**
     * Sets whether autograd records ops on this thread.
     *
     * @param enabled the grad mode
     */
    public static void setGradMode(boolean enabled) {
        JniUtils.setGradMode(enabled);
    }
}
