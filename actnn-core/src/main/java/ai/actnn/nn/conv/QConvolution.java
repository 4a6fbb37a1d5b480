package ai.actnn.nn.conv;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Common base of the compressed (transposed) convolutions: wiring around {@link
 * ConvolutionFunction}, which saves the input compressed and differentiates with PyTorch's {@code
 * convolution_backward} at the restored input.
 */
abstract class QConvolution extends QLayer {

    /** The geometry of the wrapped convolution. */
    protected final ConvolutionGeometry geometry;

    QConvolution(Block original, ConvolutionGeometry geometry) {
        super(original);
        this.geometry = geometry;
        this.site = ActivationSite.convolution(getClass().getSimpleName() + geometry.describe(), geometry.window());
    }

    /**
     * Computes the layer's output from its input without autograd.
     *
     * @param ps the parameter store
     * @param x the input
     * @param weight the weight array
     * @param bias the bias array or null
     * @return the output
     */
    protected NDArray compute(ParameterStore ps, NDArray x, NDArray weight, NDArray bias) {
        return original.forward(ps, new NDList(x), true, null).singletonOrThrow();
    }

    /**
     * Returns the layout conversions between the weight parameter and PyTorch's kernels.
     *
     * @return the conversions (none by default)
     */
    ConvolutionFunction.WeightLayout weightLayout() {
        return ConvolutionFunction.SAME;
    }

    @Override
    protected NDList forwardRecorded(Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Device device = inputs.singletonOrThrow().getDevice();
        NDArray weight = ps.getValue(parameter("weight"), device, true);
        Parameter biasParam = original.getDirectParameters().get("bias");
        NDList parameters = new NDList(weight);
        NDArray bias = null;
        if (biasParam != null) {
            bias = ps.getValue(biasParam, device, true);
            parameters.add(bias);
        }
        NDArray b = bias;
        ConvolutionFunction f = new ConvolutionFunction(
                getClass().getSimpleName(), geometry, site, weightLayout(), x -> compute(ps, x, weight, b));
        return tape.apply(f, inputs, parameters);
    }

    private Parameter parameter(String name) {
        Parameter p = original.getDirectParameters().get(name);
        if (p == null) {
            throw new IllegalStateException(original.getClass().getSimpleName() + " has no " + name);
        }
        return p;
    }
}
