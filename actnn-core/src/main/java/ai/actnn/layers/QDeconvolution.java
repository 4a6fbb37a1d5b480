package ai.actnn.layers;

import ai.actnn.ops.NativeOps;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Deconvolution;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Common base of the compressed transposed convolutions. DJL's PyTorch engine does not
 * implement transposed convolutions at all; these Q-layers compute them with PyTorch's native
 * kernel, at inference and in training, with or without compression.
 */
abstract class QDeconvolution extends QConvolution {

    QDeconvolution(Deconvolution original) {
        super(original, ConvolutionGeometry.of(original));
    }

    @Override
    protected NDList compute(ParameterStore ps, NDList inputs, NDArray weight, NDArray bias) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(
                NativeOps.convolution(
                        x,
                        weight,
                        bias,
                        geometry.stride(),
                        geometry.padding(),
                        geometry.dilation(),
                        true,
                        geometry.outputPadding(),
                        geometry.groups(),
                        x.getManager()));
    }

    @Override
    protected NDList forwardPlain(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        NDArray weight = ps.getValue(original.getDirectParameters().get("weight"), device, training);
        Parameter biasParam = original.getDirectParameters().get("bias");
        NDArray bias = biasParam == null ? null : ps.getValue(biasParam, device, training);
        return compute(ps, inputs, weight, bias);
    }
}
