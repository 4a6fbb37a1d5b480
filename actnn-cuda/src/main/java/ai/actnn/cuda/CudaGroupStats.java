package ai.actnn.cuda;

import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

/**
 * Group statistics on the GPU: {@code (min, max)} per group as two floats ({@code (NaN, NaN)} for a
 * group holding a NaN or an infinity), in a device array owned by a private manager. The per-sample
 * range squares are computed on the device and copied to the host on first request.
 */
final class CudaGroupStats implements GroupStats {

    private final Shape shape;
    private final int groupSize;
    private final CudaKernels.Layout layout;
    private final PtNDManager owner;
    private final PtNDArray stats;
    private final CudaKernels kernels;
    private final NDArray source;
    private float[] rangeSquares;
    private volatile boolean closed;

    CudaGroupStats(Shape shape, int groupSize, CudaKernels.Layout layout, PtNDManager owner, PtNDArray stats,
            CudaKernels kernels, NDArray source) {
        this.shape = shape;
        this.groupSize = groupSize;
        this.layout = layout;
        this.owner = owner;
        this.stats = stats;
        this.kernels = kernels;
        this.source = source;
    }

    /** {@inheritDoc} */
    @Override
    public Shape getShape() {
        return shape;
    }

    /** {@inheritDoc} */
    @Override
    public int getGroupSize() {
        return groupSize;
    }

    /**
     * Returns the device address of the statistics.
     *
     * @return the address (0 when the tensor has no groups)
     */
    long address() {
        return layout.groups() == 0 ? 0L : PtArrays.address(stats);
    }

    /**
     * Returns the device holding the statistics.
     *
     * @return the device
     */
    ai.djl.Device device() {
        return stats.getDevice();
    }

    /**
     * Returns the geometry (without per-sample tables).
     *
     * @return the layout
     */
    CudaKernels.Layout layout() {
        return layout;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sums in fp64 over the groups in a fixed order, rounded once to fp32: equal to the CPU
     * backend's value up to the rounding of the summation order.
     */
    @Override
    public synchronized float[] sampleRangeSquares() {
        if (rangeSquares == null) {
            if (layout.samples == 0) {
                rangeSquares = new float[0];
            } else if (layout.groups() == 0) {
                rangeSquares = new float[(int) layout.samples];
            } else {
                try (NDManager tmp = owner.newSubManager()) {
                    PtNDArray out = PtArrays.empty((PtNDManager) tmp, new Shape(layout.samples), DataType.FLOAT32,
                            stats.getDevice());
                    kernels.rangeSquares(address(), PtArrays.address(out), layout);
                    // a copy on the default stream: it waits for the kernel
                    rangeSquares = out.toDevice(ai.djl.Device.cpu(), true).toFloatArray();
                }
            }
        }
        return rangeSquares.clone();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copies the device's {@code (min, max)} pairs to the host (8 bytes per group, a
     * synchronising copy): meant for the error-bounded policy's measurement steps.
     */
    @Override
    public synchronized float[] groupMinMax() {
        if (layout.groups() == 0) {
            return new float[0];
        }
        try (NDArray host = stats.toDevice(ai.djl.Device.cpu(), true)) {
            return host.toFloatArray();
        }
    }

    /** {@inheritDoc} */
    @Override
    public NDArray tensor() {
        return closed || source == null || source.isReleased() ? null : source;
    }

    /** Frees the statistics. */
    @Override
    public void close() {
        closed = true;
        owner.close();
    }
}
