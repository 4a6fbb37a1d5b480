package ai.actnn.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The state of PyTorch's default CPU random generator, read and written as Python's {@code
 * torch.get_rng_state()} / {@code torch.set_rng_state()} do; DJL can only reseed it. A
 * recomputation that replays a forward's random draws uses it to leave the generator exactly as
 * the user's own code left it.
 */
public final class TorchRandom {

    private static final String DEFAULT_GENERATOR = "_ZN2at6detail22getDefaultCPUGeneratorEv";
    private static final String GET_STATE = "_ZNK2at9Generator9get_stateEv";
    private static final String SET_STATE = "_ZN2at9Generator9set_stateERKNS_6TensorE";

    private TorchRandom() {}

    /**
     * Returns a copy of the default CPU generator's state (a UINT8 tensor, about 5 KB).
     *
     * @param manager the owner of the state (a PyTorch-engine manager)
     * @return the state
     */
    public static NDArray captureCpuState(NDManager manager) {
        PtNDManager owner = PtHandles.manager(manager);
        // get_state returns an at::Tensor by value: the C++ ABI passes the address of the result
        // as a hidden first argument. The result is a heap at::Tensor, which is exactly what a
        // DJL array handle points to, so DJL frees it when the array is closed.
        long slot = Native.malloc(Long.BYTES);
        if (slot == 0) {
            throw new OutOfMemoryError("cannot allocate the handle of a random generator state");
        }
        synchronized (TorchRandom.class) {
            LibTorch.function(GET_STATE).invokePointer(new Object[] {new Pointer(slot), generator()});
        }
        return new PtNDArray(owner, slot);
    }

    /**
     * Sets the default CPU generator's state.
     *
     * @param state a state from {@link #captureCpuState}
     */
    public static void restoreCpuState(NDArray state) {
        PtNDArray pt = PtHandles.array(state);
        synchronized (TorchRandom.class) {
            LibTorch.function(SET_STATE).invokeVoid(new Object[] {generator(), new Pointer(pt.getHandle())});
        }
    }

    private static Pointer generator() {
        return LibTorch.function(DEFAULT_GENERATOR).invokePointer(new Object[0]);
    }
}
