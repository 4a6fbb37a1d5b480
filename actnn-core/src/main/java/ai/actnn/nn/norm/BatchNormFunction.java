package ai.actnn.nn.norm;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.internal.NormOps;
import ai.actnn.nn.BackwardChunks;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.StackBatchifier;

import java.util.Arrays;

/**
 * Batch normalisation (any rank through its channel axis; ghost batches when a virtual batch size
 * is set) with a compressed saved input. Parameters: gamma, beta. The forward normalises the exact
 * input with PyTorch's {@code native_batch_norm} and updates the running statistics once, as DJL
 * does; it saves the compressed input and, exactly, the batch mean and inverse standard deviation
 * of each ghost batch. The backward is {@code native_batch_norm_backward} at the restored input,
 * over chunks of samples for large batches (the per-channel sums first, then the input gradient
 * chunk by chunk).
 */
final class BatchNormFunction implements QFunction {

    private final ActivationSite site;
    private final int axis;
    private final float epsilon;
    private final float momentum;
    private final int virtualBatchSize;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private int ghosts;

    BatchNormFunction(
            ActivationSite site, int axis, float epsilon, float momentum, int virtualBatchSize, NDArray runningMean, NDArray runningVar) {
        this.site = site;
        this.axis = axis;
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.virtualBatchSize = virtualBatchSize;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
    }

    @Override
    public String name() {
        return "QBatchNorm";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        NDArray gamma = ctx.parameter(0);
        NDArray beta = ctx.parameter(1);
        NDArray[] chunks = virtualBatchSize > 0 ? splitGhost(x) : new NDArray[] {x};
        ghosts = chunks.length;
        ctx.save(x, site);
        NDList outs = new NDList(chunks.length);
        NDArray mean = null;
        NDArray invstd = null;
        for (NDArray chunk : chunks) {
            NDArray xt = toChannelAxis(chunk);
            NDList r = NormOps.batchNormForward(
                    xt, gamma, beta, runningMean, runningVar, 1.0 - momentum, epsilon, x.getManager());
            if (xt != chunk) {
                xt.close();
            }
            outs.add(fromChannelAxis(r.get(0)));
            mean = r.get(1);
            invstd = r.get(2);
            ctx.saveExact(mean);
            ctx.saveExact(invstd);
        }
        NDArray y;
        if (outs.size() == 1) {
            y = outs.get(0);
            if (ctx.recomputes()) {
                NDArray m = mean;
                NDArray s = invstd;
                ctx.declareRecomputable(y, 0, in -> normalize(in, m, s, gamma, beta));
            }
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
        return new NDList(y);
    }

    /**
     * The forward from the batch statistics, for recomputation: {@code (x - mean) * invstd * gamma
     * + beta} with the per-channel vectors broadcast along the channel axis.
     */
    private NDArray normalize(NDArray x, NDArray mean, NDArray invstd, NDArray gamma, NDArray beta) {
        int rank = x.getShape().dimension();
        int channel = axis == -1 ? 1 : axis;
        long[] shape = new long[rank];
        Arrays.fill(shape, 1L);
        shape[Math.min(channel, rank - 1)] = -1;
        try (NDArray m = mean.reshape(shape);
                NDArray s = invstd.reshape(shape);
                NDArray g = gamma.reshape(shape);
                NDArray b = beta.reshape(shape)) {
            NDArray y = x.sub(m);
            y.muli(s).muli(g).addi(b);
            return y.getDataType() == x.getDataType() ? y : converted(y, x);
        }
    }

    private static NDArray converted(NDArray y, NDArray like) {
        NDArray c = y.toType(like.getDataType(), false);
        y.close();
        return c;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray grad = gradOutputs.singletonOrThrow();
        boolean[] need = {ctx.needsInputGradient(0), ctx.needsParameterGradient(0), ctx.needsParameterGradient(1)};
        BackwardChunks chunks = BackwardChunks.of(grad.getShape(), grad.getDataType());
        if (ghosts == 1 && (axis == 1 || axis == -1) && chunks.split()) {
            return chunked(ctx, grad, need, chunks);
        }
        NDManager manager = ctx.getManager();
        try (NDArray x = ctx.restore(0)) {
            NDArray[] xs = ghosts > 1 ? splitGhost(x) : new NDArray[] {x};
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
                try (NDArray mean = ctx.restore(1 + 2 * i);
                        NDArray invstd = ctx.restore(2 + 2 * i)) {
                    NDList r = NormOps.batchNormBackward(gt, xt, ctx.parameter(0), mean, invstd, epsilon, need, manager);
                    dxs.add(need[0] ? fromChannelAxis(r.get(0)) : r.get(0));
                    dgamma = BackwardChunks.sum(dgamma, r.get(1), need[1]);
                    dbeta = BackwardChunks.sum(dbeta, r.get(2), need[2]);
                }
            }
            NDArray dx = null;
            if (need[0]) {
                dx = dxs.size() == 1 ? dxs.get(0) : NDArrays.concat(dxs, 0);
            }
            return new NDList(dx, dgamma, dbeta);
        }
    }

    /**
     * The backward over chunks of samples, each restored once per pass: the per-channel sums over
     * the batch first, then the element-wise gradient chunk by chunk. Only a chunk of the input
     * is in full precision at a time.
     */
    private NDList chunked(BackwardContext ctx, NDArray grad, boolean[] need, BackwardChunks chunks) {
        NDManager manager = ctx.getManager();
        NDArray mean = ctx.restore(1);
        NDArray invstd = ctx.restore(2);
        NDArray[] sums = new NDArray[2];
        chunks.forEach((from, to, rows) -> {
            try (NDArray x = ctx.restore(0, from, to);
                    NDArray g = grad.get(rows)) {
                NDList s = NormOps.batchNormBackwardReduce(g, x, mean, manager);
                sums[0] = BackwardChunks.sum(sums[0], s.get(0), true);
                sums[1] = BackwardChunks.sum(sums[1], s.get(1), true);
            }
        });
        NDArray sumDy = sums[0];
        NDArray sumDyXmu = sums[1];
        NDArray dx = null;
        if (need[0]) {
            double count = (double) grad.size() / grad.getShape().get(1);
            NDArray out = manager.create(grad.getShape(), grad.getDataType(), grad.getDevice());
            chunks.forEach((from, to, rows) -> {
                try (NDArray x = ctx.restore(0, from, to);
                        NDArray g = grad.get(rows);
                        NDArray part = NormOps.batchNormBackwardElementwise(
                                g, x, mean, invstd, ctx.parameter(0), sumDy, sumDyXmu, count, manager)) {
                    out.set(rows, part);
                }
            });
            dx = out;
        }
        NDArray dgamma = need[1] ? sumDyXmu.mul(invstd) : null;
        return new NDList(dx, dgamma, need[2] ? sumDy : null);
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
}
