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
 * is set). Parameters: gamma, beta. The forward normalises the exact input with PyTorch's {@code
 * native_batch_norm} and updates the running statistics once, as DJL does.
 *
 * <p>What it saves: where the level compresses, the <em>standardised</em> input {@code x̂ = (x -
 * mean) * invstd} (compressed) and the inverse standard deviation; otherwise the exact input with
 * the batch mean and inverse standard deviation. Compressing the standardised input keeps every
 * channel on the same scale: compressing the raw input would multiply its error by {@code invstd},
 * up to {@code 1/sqrt(eps)} for a channel of nearly constant values. In the backward the restored
 * {@code x̂} is re-centred per channel (the exact one sums to zero, so a bias before the
 * normalisation gets no gradient), and PyTorch's batch-norm backward kernels run on it with mean =
 * that centre, inverse standard deviation 1 and weight {@code gamma * invstd}: exactly the batch
 * normalisation's gradient expressed in {@code x̂}. Large batches are done a chunk of samples at a
 * time (the per-channel sums first, then the input gradient chunk by chunk).
 *
 * <p>Few values per channel: the backward is quadratic in {@code x̂} (its projection {@code x̂_i *
 * mean(dy * x̂)} multiplies an element by itself), so the rounding variance of {@code x̂} becomes a
 * bias of about {@code variance / count} of the input gradient, where {@code count} is the number
 * of values a channel normalises (batch times spatial positions). Where that count is below
 * {@link #FEW_VALUES} (a small batch at the 1x1 or 2x2 maps at the end of a CNN), {@code x̂} is
 * saved at a second site of layer group 1 (8 bits at L3), whose variance is some 4000 times
 * smaller; such a layer holds fewer than {@code FEW_VALUES} values per channel, so this costs
 * little memory.
 */
final class BatchNormFunction implements QFunction {

    /** Below this many values per channel, {@code x̂} is saved at the few-values site. */
    static final int FEW_VALUES = 16;

    private final ActivationSite site;
    private final ActivationSite fewValuesSite;
    private final int axis;
    private final float epsilon;
    private final float momentum;
    private final int virtualBatchSize;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private int ghosts;
    private boolean standardized;

    BatchNormFunction(
            ActivationSite site,
            ActivationSite fewValuesSite,
            int axis,
            float epsilon,
            float momentum,
            int virtualBatchSize,
            NDArray runningMean,
            NDArray runningVar) {
        this.site = site;
        this.fewValuesSite = fewValuesSite;
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
        long channels = x.getShape().get(axis == -1 ? 1 : axis);
        long perChannel = chunks[0].getShape().size() / Math.max(1, channels);
        ActivationSite where = perChannel < FEW_VALUES ? fewValuesSite : site;
        standardized = ctx.compresses(x, where);
        if (standardized && chunks.length == 1 && (axis == 1 || axis == -1)
                && BackwardChunks.isLargeTransient(x.size() * x.getDataType().getNumOfBytes())) {
            return new NDList(forwardInTwoPasses(ctx, x, gamma, beta, where));
        }
        NDList outs = new NDList(chunks.length);
        NDList stats = new NDList(2 * chunks.length);
        for (NDArray chunk : chunks) {
            NDArray xt = toChannelAxis(chunk);
            NDList r = NormOps.batchNormForward(
                    xt, gamma, beta, runningMean, runningVar, 1.0 - momentum, epsilon, x.getManager());
            if (xt != chunk) {
                xt.close();
            }
            outs.add(fromChannelAxis(r.get(0)));
            stats.add(r.get(1));
            stats.add(r.get(2));
        }
        // Saved: activation 0 = x̂ or x; then per ghost batch (mean and) invstd.
        if (standardized) {
            NDArray[] hats = new NDArray[chunks.length];
            for (int i = 0; i < chunks.length; i++) {
                hats[i] = affine(chunks[i], stats.get(2 * i), stats.get(2 * i + 1), null, null);
            }
            try (NDArray hat = hats.length == 1 ? hats[0] : NDArrays.concat(new NDList(hats), 0)) {
                ctx.save(hat, where);
            }
            if (hats.length > 1) {
                for (NDArray h : hats) {
                    h.close();
                }
            }
            for (int i = 0; i < chunks.length; i++) {
                ctx.saveExact(stats.get(2 * i + 1));
            }
        } else {
            ctx.save(x, where);
            for (NDArray s : stats) {
                ctx.saveExact(s);
            }
        }
        NDArray y;
        if (outs.size() == 1) {
            y = outs.get(0);
            if (ctx.recomputes()) {
                NDArray mean = stats.get(0);
                NDArray invstd = stats.get(1);
                ctx.declareRecomputable(
                        y, 0, in -> standardized ? affine(in, null, null, gamma, beta) : affine(in, mean, invstd, gamma, beta));
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
     * The forward of a large batch with channels on axis 1 at a compressing level: x̂ in the
     * buffer of a first pass's output, packed and freed, then PyTorch's output from a second pass
     * (without the running statistics). One full-size array besides the input at a time, where
     * x̂ beside the output takes two, the peak of a CNN's first blocks at large batches; the
     * output stays PyTorch's bit for bit, which computing it from x̂ would not (a rounding
     * difference that deep nets of few values per channel amplify to a percent). Costs a second
     * batch-norm forward, so only above {@link BackwardChunks#isLargeTransient}.
     */
    private NDArray forwardInTwoPasses(ForwardContext ctx, NDArray x, NDArray gamma, NDArray beta, ActivationSite where) {
        NDManager manager = x.getManager();
        NDList r = NormOps.batchNormStandardize(x, gamma, beta, runningMean, runningVar, 1.0 - momentum, epsilon, manager);
        try (NDArray hat = r.get(0);
                NDArray mean = r.get(1);
                NDArray invstd = r.get(2)) {
            ctx.save(hat, where);
            ctx.saveExact(invstd);
        }
        NDArray y = NormOps.batchNormOutput(x, gamma, beta, epsilon, manager);
        if (ctx.recomputes()) {
            ctx.declareRecomputable(y, 0, in -> affine(in, null, null, gamma, beta));
        }
        return y;
    }

    /**
     * {@code ((x - mean) * invstd) * gamma + beta} with the per-channel vectors broadcast along the
     * channel axis; null vectors are left out.
     */
    private NDArray affine(NDArray x, NDArray mean, NDArray invstd, NDArray gamma, NDArray beta) {
        long[] shape = channelShape(x.getShape().dimension());
        // The first step allocates the result, the others update it in place: one new array.
        NDArray y = null;
        if (mean != null) {
            try (NDArray m = mean.reshape(shape)) {
                y = x.sub(m);
            }
        }
        for (NDArray factor : new NDArray[] {invstd, gamma}) {
            if (factor != null) {
                try (NDArray f = factor.reshape(shape)) {
                    y = y == null ? x.mul(f) : y.muli(f);
                }
            }
        }
        if (beta != null) {
            try (NDArray b = beta.reshape(shape)) {
                y = y == null ? x.add(b) : y.addi(b);
            }
        }
        if (y == null) {
            y = x.duplicate();
        }
        if (y.getDataType() == x.getDataType()) {
            return y;
        }
        NDArray c = y.toType(x.getDataType(), false);
        y.close();
        return c;
    }

    /** The shape that broadcasts a per-channel vector along the channel axis of a rank. */
    private long[] channelShape(int rank) {
        int channel = axis == -1 ? 1 : axis;
        long[] shape = new long[rank];
        Arrays.fill(shape, 1L);
        shape[Math.min(channel, rank - 1)] = -1;
        return shape;
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray grad = gradOutputs.singletonOrThrow();
        boolean[] need = {ctx.needsInputGradient(0), ctx.needsParameterGradient(0), ctx.needsParameterGradient(1)};
        BackwardChunks chunks = BackwardChunks.forRestore(ctx, 0, grad.getShape(), grad.getDataType());
        if (ghosts == 1 && (axis == 1 || axis == -1) && chunks.split()) {
            return chunked(ctx, grad, need, chunks);
        }
        NDManager manager = ctx.getManager();
        try (NDArray saved = ctx.restore(0)) {
            NDArray[] xs = ghosts > 1 ? splitGhost(saved) : new NDArray[] {saved};
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
                Kernel k = kernel(ctx, i, xt);
                NDList r = NormOps.batchNormBackward(gt, xt, k.weight, k.mean, k.invstd, epsilon, need, manager);
                dxs.add(need[0] ? fromChannelAxis(r.get(0)) : r.get(0));
                dgamma = BackwardChunks.sum(dgamma, r.get(1), need[1]);
                dbeta = BackwardChunks.sum(dbeta, r.get(2), need[2]);
            }
            NDArray dx = null;
            if (need[0]) {
                dx = dxs.size() == 1 ? dxs.get(0) : NDArrays.concat(dxs, 0);
            }
            return new NDList(dx, dgamma, dbeta);
        }
    }

    /** The arguments of PyTorch's batch-norm backward kernels for ghost batch {@code i}. */
    private record Kernel(NDArray mean, NDArray invstd, NDArray weight) {}

    /**
     * Returns the kernel arguments for ghost batch {@code i}, whose saved activation (in channel
     * layout) is {@code xt}: for a saved x, its mean, inverse standard deviation and gamma; for a
     * saved x̂, its per-channel centre, ones and {@code gamma * invstd}.
     */
    private Kernel kernel(BackwardContext ctx, int i, NDArray xt) {
        NDManager manager = ctx.getManager();
        if (!standardized) {
            return new Kernel(ctx.restore(1 + 2 * i), ctx.restore(2 + 2 * i), ctx.parameter(0));
        }
        NDArray invstd = ctx.restore(1 + i);
        // DJL's PyTorch mean takes one axis: the sum over the others, divided.
        NDArray centre;
        try (NDArray total = xt.sum(reductionAxes(xt.getShape().dimension()))) {
            centre = total.div(xt.size() / xt.getShape().get(1));
        }
        centre.attach(manager);
        NDArray ones = manager.ones(invstd.getShape(), invstd.getDataType(), invstd.getDevice());
        NDArray weight = ctx.parameter(0).mul(invstd);
        weight.attach(manager);
        return new Kernel(centre, ones, weight);
    }

    private static int[] reductionAxes(int rank) {
        int[] axes = new int[rank - 1];
        axes[0] = 0;
        for (int d = 2; d < rank; d++) {
            axes[d - 1] = d;
        }
        return axes;
    }

    /**
     * The backward over chunks of samples, each restored once per pass: the per-channel sums over
     * the batch first, then the element-wise gradient chunk by chunk. Only a chunk of the saved
     * activation is in full precision at a time.
     */
    private NDList chunked(BackwardContext ctx, NDArray grad, boolean[] need, BackwardChunks chunks) {
        NDManager manager = ctx.getManager();
        long count = grad.size() / grad.getShape().get(1);
        NDArray invstd = standardized ? ctx.restore(1) : ctx.restore(2);
        NDArray centre = standardized ? null : ctx.restore(1);
        NDArray origin = standardized
                ? manager.zeros(invstd.getShape(), invstd.getDataType(), invstd.getDevice())
                : centre;
        // Pass 1: sum(dy) and sum(dy * (s - origin)) per channel, and for x̂ its sum (its centre).
        NDArray[] sums = new NDArray[3];
        chunks.forEach((from, to, rows) -> {
            try (NDArray s = ctx.restore(0, from, to);
                    NDArray g = grad.get(rows)) {
                NDList r = NormOps.batchNormBackwardReduce(g, s, origin, standardized, manager);
                sums[0] = BackwardChunks.sum(sums[0], r.get(0), true);
                sums[1] = BackwardChunks.sum(sums[1], r.get(1), true);
                sums[2] = BackwardChunks.sum(sums[2], r.get(2), standardized);
            }
        });
        NDArray sumDy = sums[0];
        NDArray sumDyXmu = sums[1];
        NDArray mean = centre;
        NDArray scale = invstd;
        NDArray weight = ctx.parameter(0);
        if (standardized) {
            // Re-centre: sum(dy * (x̂ - c)) = sum(dy * x̂) - c * sum(dy), c = mean of x̂.
            mean = sums[2].div(count);
            sumDyXmu = sumDyXmu.sub(mean.mul(sumDy));
            scale = manager.ones(invstd.getShape(), invstd.getDataType(), invstd.getDevice());
            weight = ctx.parameter(0).mul(invstd);
        }
        NDArray dx = null;
        if (need[0]) {
            NDArray out = manager.create(grad.getShape(), grad.getDataType(), grad.getDevice());
            NDArray m = mean;
            NDArray k = scale;
            NDArray w = weight;
            NDArray sdx = sumDyXmu;
            chunks.forEach((from, to, rows) -> {
                try (NDArray s = ctx.restore(0, from, to);
                        NDArray g = grad.get(rows);
                        NDArray target = out.get(rows)) {
                    // target is a view of out: the chunk's gradient is written in place
                    NormOps.batchNormBackwardElementwise(target, g, s, m, k, w, sumDy, sdx, count, manager).close();
                }
            });
            dx = out;
        }
        // dgamma = sum(dy * x̂): for a saved x, sum(dy * (x - mean)) * invstd.
        NDArray dgamma = need[1] ? (standardized ? sumDyXmu : sumDyXmu.mul(invstd)) : null;
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
