package ai.actnn.nn.conv;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.ConvolutionOps;
import ai.actnn.internal.TensorOps;
import ai.actnn.nn.BackwardChunks;
import ai.actnn.policy.ActivationSite;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.function.UnaryOperator;

/**
 * A (transposed) convolution with a compressed saved input. Parameters: the weight, then the bias
 * if any. The backward restores the input (a chunk of samples at a time for large batches) and
 * calls PyTorch's {@code convolution_backward} for the exact input, weight and bias gradients at
 * the restored input.
 */
final class ConvolutionFunction implements QFunction {

    /** The layout conversions of a transposed convolution's weight (identity otherwise). */
    interface WeightLayout {
        /**
         * Returns the weight in the layout of PyTorch's kernels.
         *
         * @param weight the parameter
         * @param manager the owner of a converted copy
         * @return the kernel weight (the parameter itself when the layouts agree)
         */
        NDArray toKernel(NDArray weight, NDManager manager);

        /**
         * Returns a weight gradient from the kernels in the parameter's layout.
         *
         * @param gradient the gradient in the kernels' layout
         * @param manager the owner of a converted copy
         * @return the gradient (the argument itself when the layouts agree)
         */
        NDArray toParameter(NDArray gradient, NDManager manager);
    }

    static final WeightLayout SAME = new WeightLayout() {
        @Override
        public NDArray toKernel(NDArray weight, NDManager manager) {
            return weight;
        }

        @Override
        public NDArray toParameter(NDArray gradient, NDManager manager) {
            return gradient;
        }
    };

    private final String name;
    private final ConvolutionGeometry geometry;
    private final ActivationSite site;
    private final WeightLayout layout;
    private final UnaryOperator<NDArray> compute;
    private Shape inputShape;
    private boolean savedInput;

    /**
     * Creates the function of one call.
     *
     * @param name the layer's name
     * @param geometry the convolution's geometry
     * @param site where the input is saved
     * @param layout the weight layout conversions
     * @param compute the forward from the input (exactly the wrapped block's output)
     */
    ConvolutionFunction(
            String name, ConvolutionGeometry geometry, ActivationSite site, WeightLayout layout, UnaryOperator<NDArray> compute) {
        this.name = name;
        this.geometry = geometry;
        this.site = site;
        this.layout = layout;
        this.compute = compute;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        inputShape = x.getShape();
        // The input is needed only for the weight gradient.
        savedInput = ctx.needsParameterGradient(0);
        if (savedInput) {
            ctx.save(x, site);
        }
        return new NDList(compute(x));
    }

    /**
     * The forward, a chunk of samples at a time on the CPU where PyTorch's kernel would build
     * its column buffer for the whole batch at once: at large batches that buffer, several times
     * the output, was the peak of a whole training step.
     */
    private NDArray compute(NDArray x) {
        boolean cpu = Device.Type.CPU.equals(x.getDevice().getDeviceType());
        long columns = cpu ? geometry.columnsPerSample(x.getShape()) : 0;
        BackwardChunks chunks = BackwardChunks.ofWorkspace(
                (int) x.getShape().get(0), columns * x.getDataType().getNumOfBytes());
        if (!chunks.split()) {
            return compute.apply(x);
        }
        NDArray[] out = new NDArray[1];
        try {
            chunks.forEach((from, to, rows) -> {
                try (NDArray part = x.get(rows);
                        NDArray y = compute.apply(part)) {
                    if (out[0] == null) {
                        long[] shape = y.getShape().getShape().clone();
                        shape[0] = chunks.samples();
                        out[0] = x.getManager().create(new Shape(shape), y.getDataType(), y.getDevice());
                    }
                    try (NDArray target = out[0].get(rows)) {
                        TensorOps.copyInto(target, y);
                    }
                }
            });
        } catch (RuntimeException | Error e) {
            if (out[0] != null) {
                out[0].close();
            }
            throw e;
        }
        return out[0];
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray grad = gradOutputs.singletonOrThrow();
        NDManager manager = ctx.getManager();
        boolean hasBias = ctx.parameterCount() > 1;
        boolean[] need = {ctx.needsInputGradient(0), ctx.needsParameterGradient(0), hasBias && ctx.needsParameterGradient(1)};
        NDArray weight = ctx.parameter(0);
        NDArray kernel = layout.toKernel(weight, manager);
        BackwardChunks chunks = savedInput
                ? BackwardChunks.forRestore(ctx, 0, inputShape, grad.getDataType())
                : BackwardChunks.of(inputShape, grad.getDataType());
        NDArray dx = null;
        NDArray dw = null;
        NDArray db = null;
        try {
            if (savedInput && chunks.split()) {
                // The input gradient needs the weight and dy only: one call over the whole batch
                // (the kernels read the input's shape, not its values). The weight and bias
                // gradients need the input: chunk by chunk of restored samples, summed.
                if (need[0]) {
                    try (NDArray shapeOnly = shapeOnlyInput(grad, manager)) {
                        NDList all = kernel(grad, shapeOnly, kernel, new boolean[] {true, false, false}, manager);
                        dx = all.get(0);
                        all.get(1).close();
                        all.get(2).close();
                    }
                }
                boolean[] parameters = {false, need[1], need[2]};
                NDArray[] sums = new NDArray[2];
                chunks.forEach((from, to, rows) -> {
                    try (NDArray x = ctx.restore(0, from, to);
                            NDArray g = grad.get(rows)) {
                        NDList part = kernel(g, x, kernel, parameters, manager);
                        part.get(0).close();
                        sums[0] = BackwardChunks.sum(sums[0], part.get(1), need[1]);
                        sums[1] = BackwardChunks.sum(sums[1], part.get(2), need[2]);
                    }
                });
                dw = sums[0];
                db = sums[1];
            } else {
                try (NDArray x = savedInput ? ctx.restore(0) : shapeOnlyInput(grad, manager)) {
                    NDList all = kernel(grad, x, kernel, need, manager);
                    dx = need[0] ? all.get(0) : close(all.get(0));
                    dw = need[1] ? all.get(1) : close(all.get(1));
                    db = need[2] ? all.get(2) : close(all.get(2));
                }
            }
            NDArray dwParameter = dw == null ? null : layout.toParameter(dw, manager);
            if (dwParameter != dw && dw != null) {
                dw.close();
            }
            NDList result = new NDList(dx, dwParameter);
            if (hasBias) {
                result.add(db);
            } else if (db != null) {
                db.close();
            }
            return result;
        } finally {
            if (kernel != weight) {
                kernel.close();
            }
        }
    }

    /**
     * A stand-in for the input where only its shape matters (the input gradient): a broadcast
     * zero, which allocates one element.
     */
    private NDArray shapeOnlyInput(NDArray grad, NDManager manager) {
        return manager.zeros(new Shape(1), grad.getDataType(), grad.getDevice()).broadcast(inputShape);
    }

    private NDList kernel(NDArray grad, NDArray x, NDArray kernel, boolean[] need, NDManager manager) {
        return ConvolutionOps.convolutionBackward(
                grad,
                x,
                kernel,
                geometry.stride(),
                geometry.padding(),
                geometry.dilation(),
                geometry.transposed(),
                geometry.outputPadding(),
                geometry.groups(),
                need,
                manager);
    }

    private static NDArray close(NDArray a) {
        a.close();
        return null;
    }
}
