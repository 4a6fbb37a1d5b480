package ai.actnn.nn.norm;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.GhostBatchNorm;
import ai.djl.training.ParameterStore;
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
     * Where the layer saves when each channel normalises fewer than {@link
     * BatchNormFunction#FEW_VALUES} values: layer group 1 (8 bits at L3), see {@link
     * BatchNormFunction}.
     */
    private final ActivationSite fewValuesSite;

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
        // BatchNormFunction treats axis -1 as the channel axis 1, as DJL's PyTorch engine does
        int channelAxis = axis == -1 ? 1 : axis;
        this.site = ActivationSite.batchNorm("QBatchNorm", channelAxis, virtualBatchSize > 0);
        this.fewValuesSite = ActivationSite.batchNorm(
                "QBatchNorm(few values per channel)", channelAxis, virtualBatchSize > 0, 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Device device = inputs.singletonOrThrow().getDevice();
        NDList parameters = new NDList(ps.getValue(param("gamma"), device, true), ps.getValue(param("beta"), device, true));
        BatchNormFunction f = new BatchNormFunction(
                site,
                fewValuesSite,
                axis,
                epsilon,
                momentum,
                virtualBatchSize,
                ps.getValue(param("runningMean"), device, true),
                ps.getValue(param("runningVar"), device, true));
        return tape.apply(f, inputs, parameters);
    }

    private Parameter param(String name) {
        return original.getDirectParameters().get(name);
    }
}
