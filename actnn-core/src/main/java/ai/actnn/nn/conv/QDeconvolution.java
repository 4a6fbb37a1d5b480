package ai.actnn.nn.conv;

import ai.actnn.internal.NativeOps;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Deconvolution;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Common base of the compressed transposed convolutions. DJL's PyTorch engine does not
 * implement transposed convolutions at all; these Q-layers compute them with PyTorch's native
 * kernel, at inference and in training, with or without compression. DJL declares the weight
 * as {@code [filters, inChannels / groups, k...]} ({@code weight[f, c]} connects input channel
 * {@code c} of a group to output channel {@code f}); it is viewed in PyTorch's layout {@code
 * [inChannels, filters / groups, k...]} for the kernels, and gradients are returned in DJL's.
 */
abstract class QDeconvolution extends QConvolution {

    QDeconvolution(Deconvolution original) {
        super(original, ConvolutionGeometry.of(original));
    }

    @Override
    protected NDArray kernelWeight(NDArray weight, NDManager manager) {
        return NativeOps.deconvolutionWeight(weight, geometry.groups(), true, manager);
    }

    @Override
    protected NDArray parameterGradient(NDArray gradient, NDManager manager) {
        return NativeOps.deconvolutionWeight(gradient, geometry.groups(), false, manager);
    }

    @Override
    protected NDList compute(ParameterStore ps, NDList inputs, NDArray weight, NDArray bias) {
        NDArray x = inputs.singletonOrThrow();
        try (NDArray kernel = kernelWeight(weight, x.getManager())) {
            return new NDList(
                    NativeOps.convolution(
                            x,
                            kernel,
                            bias,
                            geometry.stride(),
                            geometry.padding(),
                            geometry.dilation(),
                            true,
                            geometry.outputPadding(),
                            geometry.groups(),
                            x.getManager()));
        }
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
