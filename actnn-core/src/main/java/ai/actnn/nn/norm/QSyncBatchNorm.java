package ai.actnn.nn.norm;

import ai.actnn.autograd.StepCollective;
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
 * DJL's {@link BatchNorm} with batch statistics over the whole step (ActNN's and PyTorch's {@code
 * SyncBatchNorm}): over every split of the step in this process (several devices, or one device
 * listed several times, with the training config's executor) and every process of a
 * data-parallel group. Its saved input is compressed as {@link QBatchNorm}'s. When the step is a
 * single batch in a single process it computes exactly what {@link QBatchNorm} computes.
 *
 * <p>Created by {@code QModule.convert(block, config)} when the configuration asks for it ({@code
 * ActNNConfig.Builder#optSyncBatchNorm}). Channel axis 1 (DJL's default); no ghost batches.
 */
public final class QSyncBatchNorm extends QLayer {

    private final int axis;
    private final float epsilon;
    private final float momentum;
    private final ActivationSite fewValuesSite;

    /**
     * Wraps a batch normalisation; the Q-layer shares its parameters and running statistics.
     *
     * @param bn the batch normalisation
     * @throws IllegalArgumentException for a ghost batch normalisation or a channel axis other
     *     than 1
     */
    public QSyncBatchNorm(BatchNorm bn) {
        super(bn);
        if (bn instanceof GhostBatchNorm) {
            throw new IllegalArgumentException("QSyncBatchNorm does not take a GhostBatchNorm: its statistics are"
                    + " per virtual batch, not over the whole step (convert it to QBatchNorm)");
        }
        this.axis = BlockIntrospection.read(bn, BatchNorm.class, "axis", Integer.class);
        if (axis != 1 && axis != -1) {
            throw new IllegalArgumentException("QSyncBatchNorm normalises channel axis 1 (DJL's default), not axis "
                    + axis + ": convert this model without sync batch norm");
        }
        this.epsilon = BlockIntrospection.read(bn, BatchNorm.class, "epsilon", Float.class);
        this.momentum = BlockIntrospection.read(bn, BatchNorm.class, "momentum", Float.class);
        this.site = ActivationSite.batchNorm("QSyncBatchNorm", 1, false);
        this.fewValuesSite = ActivationSite.batchNorm("QSyncBatchNorm(few values per channel)", 1, false, 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Device device = inputs.singletonOrThrow().getDevice();
        NDList parameters = new NDList(ps.getValue(param("gamma"), device, true), ps.getValue(param("beta"), device, true));
        StepCollective collective = tape.collective();
        if (collective.parties() == 1) {
            // The whole batch is here: exactly QBatchNorm (native kernels, chunked backward).
            return tape.apply(
                    new BatchNormFunction(site, fewValuesSite, axis, epsilon, momentum, 0,
                            ps.getValue(param("runningMean"), device, true),
                            ps.getValue(param("runningVar"), device, true)),
                    inputs,
                    parameters);
        }
        SyncBatchNormFunction f = new SyncBatchNormFunction(
                site,
                epsilon,
                momentum,
                ps.getValue(param("runningMean"), device, true),
                ps.getValue(param("runningVar"), device, true),
                collective);
        return tape.apply(f, inputs, parameters);
    }

    private Parameter param(String name) {
        return original.getDirectParameters().get(name);
    }
}
