package ai.actnn.distributed.internal;

import ai.actnn.internal.PtHandles;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import org.bytedeco.pytorch.Tensor;

/**
 * DJL's arrays seen as bytedeco tensors of the same libtorch: a DJL handle is the address of a
 * heap {@code at::Tensor}, which bytedeco's {@link Tensor} wraps without owning it. Only one
 * libtorch is loaded ({@link TorchNatives}), so the two are the same C++ class.
 */
public final class TensorViews {

    private TensorViews() {}

    /**
     * Returns the tensor of a DJL array, not owned (DJL keeps it); valid while the array is.
     *
     * @param array an array of DJL's PyTorch engine
     * @return its tensor
     */
    public static Tensor of(NDArray array) {
        return new Tensor(new C10d.Raw(PtHandles.array(array).getHandle()));
    }

    /**
     * Returns a detached view (same memory, no autograd) of a contiguous CPU array of a type that
     * Gloo reduces, owned by the caller's pointer scope.
     *
     * @param array the array
     * @return the view
     * @throws IllegalArgumentException for another device, type or a non-contiguous array
     */
    public static Tensor contiguousCpu(NDArray array) {
        if (!Device.Type.CPU.equals(array.getDevice().getDeviceType())) {
            throw new IllegalArgumentException("collectives take CPU arrays (Gloo on DJL's CPU libtorch), not arrays on "
                    + array.getDevice());
        }
        DataType t = array.getDataType();
        if (t != DataType.FLOAT32 && t != DataType.FLOAT64 && t != DataType.INT32 && t != DataType.INT64) {
            throw new IllegalArgumentException("collectives take float32, float64, int32 or int64 arrays, not " + t);
        }
        Tensor tensor = of(array);
        if (!tensor.is_contiguous()) {
            throw new IllegalArgumentException("collectives take contiguous arrays; this one of shape " + array.getShape()
                    + " is a strided view");
        }
        return tensor.detach();
    }
}
