package ai.actnn.nn.conv;

import ai.actnn.internal.ConvolutionOps;
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
    ConvolutionFunction.WeightLayout weightLayout() {
        int groups = geometry.groups();
        return new ConvolutionFunction.WeightLayout() {
            @Override
            public NDArray toKernel(NDArray weight, NDManager manager) {
                return ConvolutionOps.deconvolutionWeight(weight, groups, true, manager);
            }

            @Override
            public NDArray toParameter(NDArray gradient, NDManager manager) {
                return ConvolutionOps.deconvolutionWeight(gradient, groups, false, manager);
            }
        };
    }

    @Override
    protected NDArray compute(ParameterStore ps, NDArray x, NDArray weight, NDArray bias) {
        try (NDArray kernel = weightLayout().toKernel(weight, x.getManager())) {
            return ConvolutionOps.convolution(
                            x,
                            kernel,
                            bias,
                            geometry.stride(),
                            geometry.padding(),
                            geometry.dilation(),
                            true,
                            geometry.outputPadding(),
                            geometry.groups(),
                            x.getManager());
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
        return new NDList(compute(ps, x, weight, bias));
    }
}
