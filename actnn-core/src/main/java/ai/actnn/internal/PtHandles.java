package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

/** The PyTorch-engine views of DJL arrays and managers, with a clear error for arrays of other engines. Results are attached to the given manager. */
public final class PtHandles {

    private PtHandles() {}

    /**
     * Returns the PyTorch view of an array.
     *
     * @param array an array of the PyTorch engine
     * @return the same array as a {@link PtNDArray}
     * @throws IllegalArgumentException if the array belongs to another engine
     */
    public static PtNDArray array(NDArray array) {
        if (array instanceof PtNDArray) {
            return (PtNDArray) array;
        }
        throw new IllegalArgumentException(
                "ActNN needs arrays of the PyTorch engine, got "
                        + array.getClass().getSimpleName()
                        + " from engine "
                        + array.getManager().getEngine().getEngineName());
    }

    public static PtNDManager manager(NDManager manager) {
        if (manager instanceof PtNDManager) {
            return (PtNDManager) manager;
        }
        throw new IllegalArgumentException(
                "ActNN needs a manager of the PyTorch engine, got "
                        + manager.getEngine().getEngineName());
    }
}
