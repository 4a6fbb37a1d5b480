package ai.actnn.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.testing.GradientHarness;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

/**
 * Whole DJL ResNets (residual joins, strided and bottleneck units, max pooling at 64x64) against
 * exact fp32 autograd: identical without compression, within 2% at 8 bits, and at 2 bits the
 * mean over seeds approaching the exact gradient.
 */
class ResNetGradientTest {

    private static Block resnet(int layers, int size) {
        return ResNetV1.builder().setImageShape(new Shape(3, size, size)).setNumLayers(layers).setOutSize(10).build();
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @ValueSource(ints = {18, 50})
    void matchesExactGradients(int layers) {
        int size = layers == 18 ? 64 : 32;
        Shape input = new Shape(8, 3, size, size);
        ActNNConfig config = GradientHarness.level("L0");
        try (GradientHarness h = new GradientHarness(resnet(layers, size), input, config)) {
            NDArray x = h.manager().randomNormal(input);
            Map<String, NDArray> exact = h.exactGradients(x);
            double l0 = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            assertTrue(l0 < 1e-5, "L0: " + l0);

            h.reconfigure(b -> b.optLevel("L2").optActivationCompressionBits(8));
            double eight = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            assertTrue(eight < 0.02, "8 bits: " + eight);

            { var v = 2; h.reconfigure(b -> b.optActivationCompressionBits(v)); }
            double two = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            double mean = GradientHarness.globalRelativeError(h.meanCompressedGradients(x, 8), exact);
            assertTrue(two > eight, "2 bits " + two + " vs 8 bits " + eight);
            assertTrue(mean < two / 2, "mean of 8 runs at 2 bits " + mean + " vs one run " + two);
            org.slf4j.LoggerFactory.getLogger(ResNetGradientTest.class).info("ResNet-{}: L0 {}, 8 bits {}, 2 bits {}, mean of 8 at 2 bits {}", layers, l0, eight, two, mean);
        }
    }
}
