package ai.actnn.nn.conv;

import ai.actnn.nn.BackwardChunks;
import ai.actnn.nn.QLayer;

import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.policy.BitPolicy;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Common base of the compressed (transposed) convolutions: the forward saves the input
 * compressed; the backward restores it and calls PyTorch's {@code convolution_backward} for the
 * exact input, weight and bias gradients at the restored input.
 */
abstract class QConvolution extends QLayer {

    /** The geometry of the wrapped convolution. */
    protected final ConvolutionGeometry geometry;

    QConvolution(Block original, ConvolutionGeometry geometry) {
        super(original);
        this.geometry = geometry;
        this.site =
                new ActivationSite(
                        getClass().getSimpleName() + geometry.describe(),
                        ActivationSite.Kind.CONV,
                        geometry.kernelAreaPerGroup());
    }

    /**
     * Computes the layer's output without autograd (the wrapped block's own forward by default).
     *
     * @param ps the parameter store
     * @param inputs the inputs
     * @param weight the weight array
     * @param bias the bias array or null
     * @return the outputs
     */
    protected NDList compute(ParameterStore ps, NDList inputs, NDArray weight, NDArray bias) {
        return original.forward(ps, inputs, true, null);
    }

    /**
     * Returns the weight in the layout of PyTorch's kernels (the parameter itself by default).
     *
     * @param weight the weight parameter's array
     * @param manager the owner of a converted copy
     * @return the kernel weight
     */
    protected NDArray kernelWeight(NDArray weight, NDManager manager) {
        return weight;
    }

    /**
     * Returns a weight gradient from the kernels in the parameter's layout (itself by default).
     *
     * @param gradient the gradient in the kernels' layout
     * @param manager the owner of a converted copy
     * @return the gradient in the parameter's layout
     */
    protected NDArray parameterGradient(NDArray gradient, NDManager manager) {
        return gradient;
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        NDArray weight = ps.getValue(parameter("weight"), device, true);
        Parameter biasParam = original.getDirectParameters().get("bias");
        NDArray bias = biasParam == null ? null : ps.getValue(biasParam, device, true);
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = compute(ps, inputs, weight, bias);
        }
        // The input is needed only for the weight gradient.
        SavedActivation saved = weight.hasGradient() ? tape.store().save(x, site) : null;
        tape.record(new Op(saved, x.getShape(), weight, bias), inputs, out);
        return out;
    }

    private Parameter parameter(String name) {
        Parameter p = original.getDirectParameters().get(name);
        if (p == null) {
            throw new IllegalStateException(original.getClass().getSimpleName() + " has no " + name);
        }
        return p;
    }

    /** The recorded backward of one call. */
    private final class Op implements CompressedOp {
        private final SavedActivation saved;
        private final Shape inputShape;
        private final NDArray weight;
        private final NDArray bias;

        Op(SavedActivation saved, Shape inputShape, NDArray weight, NDArray bias) {
            this.saved = saved;
            this.inputShape = inputShape;
            this.weight = weight;
            this.bias = bias;
        }

        @Override
        public String name() {
            return QConvolution.this.getClass().getSimpleName();
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDArray grad = gradOutputs.singletonOrThrow();
            NDManager manager = ctx.getManager();
            boolean[] need = {
                ctx.needsInputGradient(0),
                weight.hasGradient(),
                bias != null && bias.hasGradient()
            };
            NDArray kernel = kernelWeight(weight, manager);
            try {
                int samples = inputShape.dimension() == 0 ? 1 : (int) inputShape.get(0);
                int chunk = BackwardChunks.samplesPerChunk(inputShape, grad.getDataType());
                NDList g =
                        saved != null && chunk < samples
                                ? chunked(grad, kernel, need, samples, chunk, manager)
                                : whole(grad, kernel, need, manager);
                BitPolicy.report(ctx.getPolicy(), site, grad, need[1] ? g.get(1) : g.get(0));
                if (need[1]) {
                    NDArray dw = parameterGradient(g.get(1), manager);
                    ctx.accumulateParameterGradient(weight, dw);
                    if (dw != g.get(1)) {
                        dw.close();
                    }
                }
                ctx.accumulateParameterGradient(bias, need[2] ? g.get(2) : null);
                g.get(1).close();
                g.get(2).close();
                if (!need[0]) {
                    g.get(0).close();
                    return new NDList((NDArray) null);
                }
                return new NDList(g.get(0));
            } finally {
                if (kernel != weight) {
                    kernel.close();
                }
            }
        }

        private NDList whole(NDArray grad, NDArray kernel, boolean[] need, NDManager manager) {
            try (NDArray x =
                    saved != null
                            ? saved.restore(manager)
                            : manager.zeros(new Shape(1), grad.getDataType()).broadcast(inputShape)) {
                return backwardKernel(grad, x, kernel, need, manager);
            }
        }

        /**
         * The backward over chunks of samples: only one chunk of the input is restored at a
         * time (with the kernel's workspace for one chunk), which lowers the peak memory of the
         * backward of large batches; weight and bias gradients are summed over the chunks.
         */
        private NDList chunked(
                NDArray grad, NDArray kernel, boolean[] need, int samples, int chunk, NDManager manager) {
            NDArray dx = need[0] ? manager.create(inputShape, grad.getDataType(), grad.getDevice()) : null;
            NDArray dw = null;
            NDArray db = null;
            try {
                for (int from = 0; from < samples; from += chunk) {
                    int to = Math.min(samples, from + chunk);
                    NDIndex rows = new NDIndex(from + ":" + to);
                    try (NDArray x = saved.restore(manager, from, to);
                            NDArray g = grad.get(rows)) {
                        NDList part = backwardKernel(g, x, kernel, need, manager);
                        if (dx != null) {
                            dx.set(rows, part.get(0));
                        }
                        part.get(0).close();
                        dw = BackwardChunks.sum(dw, part.get(1), need[1]);
                        db = BackwardChunks.sum(db, part.get(2), need[2]);
                    }
                }
            } catch (RuntimeException | Error e) {
                BackwardChunks.closeAll(dx, dw, db);
                throw e;
            }
            return new NDList(
                    dx != null ? dx : manager.create(new Shape(0)),
                    dw != null ? dw : manager.create(new Shape(0)),
                    db != null ? db : manager.create(new Shape(0)));
        }

        private NDList backwardKernel(
                NDArray grad, NDArray x, NDArray kernel, boolean[] need, NDManager manager) {
            return NativeOps.convolutionBackward(
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

        @Override
        public void close() {
            if (saved != null) {
                saved.close();
            }
        }
    }
}
