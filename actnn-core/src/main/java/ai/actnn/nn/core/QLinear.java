package ai.actnn.nn.core;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link Linear} with a compressed saved input, for inputs of any rank: wiring around
 * {@link LinearFunction}.
 */
public final class QLinear extends QLayer {

    /**
     * Wraps a linear layer; the Q-layer shares its parameters.
     *
     * @param linear the linear layer
     */
    public QLinear(Linear linear) {
        super(linear);
        this.site = new ActivationSite("QLinear", ActivationSite.Kind.LINEAR, 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Device device = inputs.singletonOrThrow().getDevice();
        NDList parameters = new NDList(ps.getValue(original.getDirectParameters().get("weight"), device, true));
        Parameter bias = original.getDirectParameters().get("bias");
        if (bias != null) {
            parameters.add(ps.getValue(bias, device, true));
        }
        return tape.apply(new LinearFunction(site), inputs, parameters);
    }
}
