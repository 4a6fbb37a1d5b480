package ai.actnn.nn.norm;

import ai.actnn.nn.BackwardChunks;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.RecordedOps;

import ai.actnn.internal.BlockIntrospection;
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
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.GhostBatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.translate.StackBatchifier;
import ai.djl.util.PairList;

/**
 * DJL's {@link BatchNorm} (any rank: 1d, 2d, 3d through its axis) and {@link GhostBatchNorm}
 * with a compressed saved input. The forward normalises the exact input and updates the running
 * statistics once, as DJL does; it saves the compressed input plus the batch mean and inverse
 * standard deviation, and the backward calls PyTorch's {@code native_batch_norm_backward} at the
 * restored input.
 */
public final class QBatchNorm extends QLayer {

    private final int axis;
    private final float epsilon;
    private final float momentum;
    private final int virtualBatchSize;

    /**
     * Wraps a batch normalisation (or a ghost batch normalisation); the Q-layer shares its
     * parameters and running statistics.
     *
     * @param bn the batch normalisation
     */
    public QBatchNorm(BatchNorm bn) {
        super(bn);
        this.axis = BlockIntrospection.read(bn, BatchNorm.class, "axis", Integer.class);
        this.epsilon = BlockIntrospection.read(bn, BatchNorm.class, "epsilon", Float.class);
        this.momentum = BlockIntrospection.read(bn, BatchNorm.class, "momentum", Float.class);
        this.virtualBatchSize =
                bn instanceof GhostBatchNorm
                        ? BlockIntrospection.read(bn, GhostBatchNorm.class, "virtualBatchSize", Integer.class)
                        : 0;
        this.site = new ActivationSite("QBatchNorm", ActivationSite.Kind.BATCH_NORM, 1);
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        NDArray gamma = ps.getValue(param("gamma"), device, true);
        NDArray beta = ps.getValue(param("beta"), device, true);
        NDArray runningMean = ps.getValue(param("runningMean"), device, true);
        NDArray runningVar = ps.getValue(param("runningVar"), device, true);
        NDList chunks =
                virtualBatchSize > 0
                        ? new NDList(splitGhost(x))
                        : new NDList(x);
        NDList outs = new NDList(chunks.size());
        NDList stats = new NDList(chunks.size() * 2);
        try (GradMode off = GradMode.disabled()) {
            for (NDArray chunk : chunks) {
                NDArray xt = toChannelAxis(chunk);
                NDList r =
                        NativeOps.batchNormForward(
                                xt,
                                gamma,
                                beta,
                                runningMean,
                                runningVar,
                                1.0 - momentum,
                                epsilon,
                                x.getManager());
                if (xt != chunk) {
                    xt.close();
                }
                outs.add(fromChannelAxis(r.get(0)));
                r.get(1).attach(tape.getManager());
                r.get(2).attach(tape.getManager());
                stats.add(r.get(1));
                stats.add(r.get(2));
            }
        }
        NDArray y;
        if (outs.size() == 1) {
            y = outs.get(0);
        } else {
            // Exactly GhostBatchNorm's output: the chunks' outputs stacked on a new first axis.
            NDList[] parts = new NDList[outs.size()];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = new NDList(outs.get(i));
            }
            y = new StackBatchifier().batchify(parts).singletonOrThrow();
            outs.close();
            for (NDArray chunk : chunks) {
                chunk.close();
            }
        }
        SavedActivation saved = tape.store().save(x, site);
        if (tape.store().recomputes() && virtualBatchSize == 0) {
            NDArray mean = stats.get(0);
            NDArray invstd = stats.get(1);
            tape.store().registerRecomputable(y, saved, in -> normalize(in, mean, invstd, gamma, beta));
        }
        NDList out = new NDList(y);
        tape.record(new Op(saved, gamma, beta, stats), inputs, out);
        return out;
    }

    /**
     * The forward from the batch statistics, for recomputation: {@code (x - mean) * invstd *
     * gamma + beta} with the per-channel vectors broadcast along the channel axis.
     */
    private NDArray normalize(NDArray x, NDArray mean, NDArray invstd, NDArray gamma, NDArray beta) {
        int rank = x.getShape().dimension();
        int channel = axis == -1 ? 1 : axis;
        long[] shape = new long[rank];
        java.util.Arrays.fill(shape, 1L);
        shape[Math.min(channel, rank - 1)] = -1;
        try (NDArray m = mean.reshape(shape);
                NDArray s = invstd.reshape(shape);
                NDArray g = gamma.reshape(shape);
                NDArray b = beta.reshape(shape)) {
            NDArray y = x.sub(m);
            y.muli(s).muli(g).addi(b);
            return RecordedOps.asTypeOf(y, x);
        }
    }

    private NDArray[] splitGhost(NDArray x) {
        // The same split as GhostBatchNorm (DJL's batchifier), so chunks and statistics match.
        int count = (int) Math.ceil((double) x.getShape().get(0) / virtualBatchSize);
        NDList[] parts = new StackBatchifier().split(new NDList(x), count, true);
        NDArray[] arrays = new NDArray[parts.length];
        for (int i = 0; i < parts.length; i++) {
            arrays[i] = parts[i].singletonOrThrow();
        }
        return arrays;
    }

    private NDArray toChannelAxis(NDArray x) {
        // DJL's PyTorch engine treats axis -1 as "no swap"; mirror it exactly.
        return axis == -1 || axis == 1 ? x : x.swapAxes(1, axis);
    }

    private NDArray fromChannelAxis(NDArray y) {
        if (axis == -1 || axis == 1) {
            return y;
        }
        NDArray back = y.swapAxes(1, axis);
        y.close();
        return back;
    }

    private ai.djl.nn.Parameter param(String name) {
        return original.getDirectParameters().get(name);
    }

    /** The recorded backward of one call. */
    private final class Op implements CompressedOp {
        private final SavedActivation saved;
        private final NDArray gamma;
        private final NDArray beta;
        private final NDList stats;

        Op(SavedActivation saved, NDArray gamma, NDArray beta, NDList stats) {
            this.saved = saved;
            this.gamma = gamma;
            this.beta = beta;
            this.stats = stats;
        }

        @Override
        public String name() {
            return "QBatchNorm";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDManager manager = ctx.getManager();
            NDArray grad = gradOutputs.singletonOrThrow();
            boolean[] need = {ctx.needsInputGradient(0), gamma.hasGradient(), beta.hasGradient()};
            Shape shape = grad.getShape();
            int samples = shape.dimension() == 0 ? 1 : (int) shape.get(0);
            int chunk = BackwardChunks.samplesPerChunk(shape, grad.getDataType());
            if (virtualBatchSize == 0 && (axis == 1 || axis == -1) && chunk < samples && shape.dimension() >= 2) {
                return chunked(ctx, grad, need, samples, chunk);
            }
            try (NDArray x = saved.restore(manager)) {
                NDArray[] xs = virtualBatchSize > 0 ? splitGhost(x) : new NDArray[] {x};
                NDArray[] gs = new NDArray[xs.length];
                if (xs.length == 1) {
                    gs[0] = grad;
                } else {
                    // GhostBatchNorm stacks its chunks' outputs along a new first axis.
                    for (int i = 0; i < xs.length; i++) {
                        gs[i] = grad.get(i);
                    }
                }
                NDList dxs = new NDList(xs.length);
                NDArray dgamma = null;
                NDArray dbeta = null;
                for (int i = 0; i < xs.length; i++) {
                    NDArray xt = toChannelAxis(xs[i]);
                    NDArray gt = toChannelAxis(gs[i]);
                    NDList r =
                            NativeOps.batchNormBackward(
                                    gt,
                                    xt,
                                    gamma,
                                    stats.get(2 * i),
                                    stats.get(2 * i + 1),
                                    epsilon,
                                    need,
                                    manager);
                    dxs.add(need[0] ? fromChannelAxis(r.get(0)) : r.get(0));
                    dgamma = BackwardChunks.sum(dgamma, r.get(1), need[1]);
                    dbeta = BackwardChunks.sum(dbeta, r.get(2), need[2]);
                    closeIfNew(xt, xs[i]);
                    closeIfNew(gt, gs[i]);
                }
                BitPolicy.report(ctx.getPolicy(), site, grad, need[0] ? dxs.get(0) : dgamma);
                ctx.accumulateParameterGradient(gamma, dgamma);
                ctx.accumulateParameterGradient(beta, dbeta);
                BackwardChunks.closeAll(dgamma, dbeta);
                if (xs.length > 1) {
                    for (int i = 0; i < xs.length; i++) {
                        xs[i].close();
                        gs[i].close();
                    }
                }
                if (!need[0]) {
                    dxs.close();
                    return new NDList((NDArray) null);
                }
                if (dxs.size() == 1) {
                    return dxs;
                }
                NDArray dx = NDArrays.concat(dxs);
                dxs.close();
                return new NDList(dx);
            }
        }

        /**
         * The backward over chunks of samples, each restored once per pass: the per-channel sums
         * over the batch first, then the element-wise gradient chunk by chunk. Only a chunk of
         * the input is in full precision at a time.
         */
        private NDList chunked(BackwardContext ctx, NDArray grad, boolean[] need, int samples, int chunk) {
            NDManager manager = ctx.getManager();
            NDArray mean = stats.get(0);
            NDArray invstd = stats.get(1);
            NDArray sumDy = null;
            NDArray sumDyXmu = null;
            NDArray dx = null;
            try {
                for (int from = 0; from < samples; from += chunk) {
                    int to = Math.min(samples, from + chunk);
                    try (NDArray x = saved.restore(manager, from, to);
                            NDArray g = grad.get(new NDIndex(from + ":" + to))) {
                        NDList sums = NativeOps.batchNormBackwardReduce(g, x, mean, manager);
                        sumDy = BackwardChunks.sum(sumDy, sums.get(0), true);
                        sumDyXmu = BackwardChunks.sum(sumDyXmu, sums.get(1), true);
                    }
                }
                double count = (double) grad.size() / grad.getShape().get(1);
                if (need[0]) {
                    dx = manager.create(grad.getShape(), grad.getDataType(), grad.getDevice());
                    for (int from = 0; from < samples; from += chunk) {
                        int to = Math.min(samples, from + chunk);
                        NDIndex rows = new NDIndex(from + ":" + to);
                        try (NDArray x = saved.restore(manager, from, to);
                                NDArray g = grad.get(rows);
                                NDArray part =
                                        NativeOps.batchNormBackwardElementwise(
                                                g, x, mean, invstd, gamma, sumDy, sumDyXmu, count, manager)) {
                            dx.set(rows, part);
                        }
                    }
                }
                try (NDArray dgamma = sumDyXmu.mul(invstd)) {
                    BitPolicy.report(ctx.getPolicy(), site, grad, need[0] ? dx : dgamma);
                    if (need[1]) {
                        ctx.accumulateParameterGradient(gamma, dgamma);
                    }
                }
                if (need[2]) {
                    ctx.accumulateParameterGradient(beta, sumDy);
                }
                return new NDList(dx);
            } catch (RuntimeException | Error e) {
                BackwardChunks.closeAll(dx);
                throw e;
            } finally {
                BackwardChunks.closeAll(sumDy, sumDyXmu);
            }
        }

        @Override
        public void close() {
            saved.close();
            stats.close();
        }
    }

    private static void closeIfNew(NDArray derived, NDArray base) {
        if (derived != base) {
            derived.close();
        }
    }

    /** Concatenation along the batch axis. */
    private static final class NDArrays {
        static NDArray concat(NDList list) {
            return ai.djl.ndarray.NDArrays.concat(list, 0);
        }
    }
}
