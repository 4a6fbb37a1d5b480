package ai.actnn.nn.norm;

import ai.actnn.autograd.Tape;
import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link LayerNorm} with a compressed saved input plus two numbers per normalised row: wiring
 * around {@link LayerNormFunction}.
 */
public final class QLayerNorm extends QLayer {

    private final float epsilon;

    /**
     * Wraps a layer normalisation; the Q-layer shares its parameters.
     *
     * @param norm the layer normalisation
     */
    public QLayerNorm(LayerNorm norm) {
        super(norm);
        this.epsilon = BlockIntrospection.read(norm, LayerNorm.class, "epsilon", Float.class);
        this.site = new ActivationSite("QLayerNorm", ActivationSite.Kind.LAYER_NORM, 1);
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Device device = inputs.singletonOrThrow().getDevice();
        NDList parameters = new NDList(
                ps.getValue(original.getDirectParameters().get("gamma"), device, true),
                ps.getValue(original.getDirectParameters().get("beta"), device, true));
        // DJL sets the normalised shape when the block is initialised, which may follow conversion.
        Shape normalized = BlockIntrospection.read(original, LayerNorm.class, "normalizedShape", Shape.class);
        return tape.apply(new LayerNormFunction(site, normalized, epsilon), inputs, parameters);
    }
}
