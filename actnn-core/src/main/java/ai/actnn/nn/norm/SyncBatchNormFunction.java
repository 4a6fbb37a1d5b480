package ai.actnn.nn.norm;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.StepCollective;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * Batch normalisation whose batch statistics cover every party of the step's {@link
 * StepCollective}: all splits of the step in this process and all processes of a data-parallel
 * group (PyTorch's {@code SyncBatchNorm}). Channel axis 1; parameters gamma, beta.
 *
 * <p>Forward: each party sums its input per channel, the parties add their sums (and counts) to
 * get the mean, then the squared deviations from that mean to get the variance (two exchanges,
 * the same two-pass computation as an unsplit batch, so no cancellation); the running statistics
 * are updated once per step and device with the combined statistics (the unbiased variance over
 * the total count). What it saves is what {@link BatchNormFunction} saves: the standardised input
 * {@code x̂} (compressed) and {@code invstd} where the level compresses, else the exact input with
 * the mean and {@code invstd}.
 *
 * <p>Backward: the parties add their per-channel {@code sum(dy)} and {@code sum(dy * x̂)} (one
 * exchange, only if the input gradient is needed), and {@code dx = gamma * invstd * (dy -
 * mean(dy) - x̂ * mean(dy * x̂))} with means over the whole batch; gamma's and beta's gradients are
 * the party's own sums, which the parameter server and the process group add up like any other
 * gradient.
 */
final class SyncBatchNormFunction implements QFunction {

    private final ActivationSite site;
    private final float epsilon;
    private final float momentum;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private final StepCollective collective;
    private boolean standardized;
    private double totalCount;

    SyncBatchNormFunction(
            ActivationSite site, float epsilon, float momentum, NDArray runningMean, NDArray runningVar,
            StepCollective collective) {
        this.site = site;
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.collective = collective;
    }

    @Override
    public String name() {
        return "QSyncBatchNorm";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        int rank = x.getShape().dimension();
        if (rank < 2) {
            throw new IllegalArgumentException("QSyncBatchNorm needs an input of rank >= 2 (samples, channels, ...),"
                    + " not " + x.getShape());
        }
        NDManager manager = x.getManager();
        int channels = (int) x.getShape().get(1);
        int[] axes = reductionAxes(rank);
        long[] shape = channelShape(rank);
        double localCount = (double) x.size() / channels;

        // Pass 1: the combined mean.
        double[] first = new double[1 + channels];
        first[0] = localCount;
        try (NDArray s = x.sum(axes)) {
            add(first, 1, s);
        }
        first = collective.allReduceSum(first);
        totalCount = first[0];
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (first[1 + c] / totalCount);
        }
        // Pass 2: the combined variance, from the deviations from the combined mean.
        NDArray meanArray = channelArray(manager, mean, shape);
        NDArray centred = x.sub(meanArray);
        double[] second = new double[channels];
        try (NDArray sq = centred.square();
                NDArray s = sq.sum(axes)) {
            add(second, 0, s);
        }
        second = collective.allReduceSum(second);
        float[] invstd = new float[channels];
        float[] unbiased = new float[channels];
        for (int c = 0; c < channels; c++) {
            double var = second[c] / totalCount;
            invstd[c] = (float) (1.0 / Math.sqrt(var + epsilon));
            unbiased[c] = (float) (totalCount > 1 ? second[c] / (totalCount - 1) : var);
        }
        updateRunning(manager, mean, unbiased);

        NDArray invstdArray = channelArray(manager, invstd, shape);
        NDArray hat = centred.mul(invstdArray);
        centred.close();
        NDArray gamma = ctx.parameter(0);
        NDArray beta = ctx.parameter(1);
        NDArray y;
        try (NDArray g = gamma.reshape(shape);
                NDArray b = beta.reshape(shape);
                NDArray scaled = hat.mul(g)) {
            y = scaled.add(b);
        }
        if (y.getDataType() != x.getDataType()) {
            NDArray cast = y.toType(x.getDataType(), false);
            y.close();
            y = cast;
        }
        standardized = ctx.compresses(x, site);
        try (NDArray invstdVector = invstdArray.reshape(channels)) {
            if (standardized) {
                ctx.save(hat, site);
                ctx.saveExact(invstdVector);
            } else {
                ctx.save(x, site);
                try (NDArray meanVector = meanArray.reshape(channels)) {
                    ctx.saveExact(meanVector);
                }
                ctx.saveExact(invstdVector);
            }
        }
        hat.close();
        meanArray.close();
        invstdArray.close();
        return new NDList(y);
    }

    /**
     * Updates the running statistics with the combined ones, once per step for each array (the
     * splits of a step on one device share it).
     */
    private void updateRunning(NDManager manager, float[] mean, float[] unbiasedVar) {
        if (runningMean == null || runningVar == null || !collective.claim(runningMean)) {
            return;
        }
        float keep = momentum;
        float take = 1 - momentum;
        for (Object[] pair : new Object[][] {{runningMean, mean}, {runningVar, unbiasedVar}}) {
            NDArray running = (NDArray) pair[0];
            float[] batch = (float[]) pair[1];
            try (NDArray b = manager.create(batch);
                    NDArray bt = b.toType(running.getDataType(), false);
                    NDArray part = bt.mul(take)) {
                running.muli(keep).addi(part);
            }
        }
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        NDArray dy = gradOutputs.singletonOrThrow();
        int rank = dy.getShape().dimension();
        int channels = (int) dy.getShape().get(1);
        int[] axes = reductionAxes(rank);
        long[] shape = channelShape(rank);
        boolean needInput = ctx.needsInputGradient(0);
        NDArray invstd = ctx.restore(standardized ? 1 : 2);
        NDArray hat;
        if (standardized) {
            hat = ctx.restore(0);
        } else {
            try (NDArray saved = ctx.restore(0);
                    NDArray mean = ctx.restore(1);
                    NDArray m = mean.reshape(shape);
                    NDArray k = invstd.reshape(shape);
                    NDArray centred = saved.sub(m)) {
                hat = centred.mul(k);
            }
        }
        NDArray sumDy = dy.sum(axes);
        NDArray sumDyHat;
        try (NDArray prod = dy.mul(hat)) {
            sumDyHat = prod.sum(axes);
        }
        NDArray dx = null;
        if (needInput) {
            double[] sums = new double[2 * channels];
            add(sums, 0, sumDy);
            add(sums, channels, sumDyHat);
            sums = collective.allReduceSum(sums);
            float[] meanDy = new float[channels];
            float[] meanDyHat = new float[channels];
            for (int c = 0; c < channels; c++) {
                meanDy[c] = (float) (sums[c] / totalCount);
                meanDyHat[c] = (float) (sums[channels + c] / totalCount);
            }
            NDManager manager = ctx.getManager();
            try (NDArray md = channelArray(manager, meanDy, shape);
                    NDArray mdh = channelArray(manager, meanDyHat, shape);
                    NDArray k = invstd.reshape(shape);
                    NDArray g = ctx.parameter(0).reshape(shape);
                    NDArray scale = g.mul(k);
                    NDArray centred = dy.sub(md);
                    NDArray along = hat.mul(mdh);
                    NDArray inner = centred.sub(along)) {
                dx = inner.mul(scale);
            }
            if (dx.getDataType() != dy.getDataType()) {
                NDArray cast = dx.toType(dy.getDataType(), false);
                dx.close();
                dx = cast;
            }
        }
        hat.close();
        invstd.close();
        NDArray dgamma = ctx.needsParameterGradient(0) ? sumDyHat : null;
        NDArray dbeta = ctx.needsParameterGradient(1) ? sumDy : null;
        if (dgamma == null) {
            sumDyHat.close();
        }
        if (dbeta == null) {
            sumDy.close();
        }
        return new NDList(dx, dgamma, dbeta);
    }

    /**
     * A per-channel vector shaped to broadcast along axis 1, in memory that torch owns: DJL 0.35.1
     * creates an array from Java data over a direct buffer that only that array's Java object keeps
     * alive, so a view or a saved handle of it could outlive the memory (read as garbage after a
     * garbage collection).
     */
    private static NDArray channelArray(NDManager manager, float[] values, long[] shape) {
        long[] concrete = shape.clone();
        concrete[1] = values.length;
        try (NDArray fromJava = manager.create(values, new Shape(concrete))) {
            return fromJava.duplicate();
        }
    }

    /** Adds a per-channel vector (any float type) into {@code into} from {@code offset}. */
    private static void add(double[] into, int offset, NDArray vector) {
        float[] values;
        if (vector.getDataType() == DataType.FLOAT32) {
            values = vector.toFloatArray();
        } else {
            try (NDArray f = vector.toType(DataType.FLOAT32, false)) {
                values = f.toFloatArray();
            }
        }
        for (int i = 0; i < values.length; i++) {
            into[offset + i] += values[i];
        }
    }

    /** Axis 0 and every axis after the channels. */
    private static int[] reductionAxes(int rank) {
        int[] axes = new int[rank - 1];
        axes[0] = 0;
        for (int d = 2; d < rank; d++) {
            axes[d - 1] = d;
        }
        return axes;
    }

    /** The shape that broadcasts a per-channel vector along axis 1 of a rank. */
    private static long[] channelShape(int rank) {
        long[] shape = new long[rank];
        Arrays.fill(shape, 1L);
        shape[1] = -1;
        return shape;
    }
}
