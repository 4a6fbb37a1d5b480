package ai.actnn.nn.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.nn.BackwardChunks;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * PyTorch's CPU convolution builds its column buffer (input channels x kernel positions x output
 * positions per sample) for the whole batch; a 3x3 convolution's is nine times its input. The
 * Q-convolution runs large batches a chunk of samples at a time so that buffer stays near 64 MiB,
 * with the same output and gradients.
 */
class ConvolutionForwardChunksTest {

    private static Conv2d conv3x3(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
    }

    @Test
    void theColumnBufferIsWhatPyTorchAllocates() {
        ConvolutionGeometry c3 = ConvolutionGeometry.of(conv3x3(8));
        assertEquals(64L * 9 * 32 * 32, c3.columnsPerSample(new Shape(2, 64, 32, 32)));
        ConvolutionGeometry pointwise = ConvolutionGeometry.of(
                Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(8).build());
        assertEquals(0, pointwise.columnsPerSample(new Shape(2, 64, 32, 32)), "1x1, stride 1: no buffer");
        ConvolutionGeometry strided = ConvolutionGeometry.of(
                Conv2d.builder().setKernelShape(new Shape(1, 1)).optStride(new Shape(2, 2)).setFilters(8).build());
        assertEquals(64L * 16 * 16, strided.columnsPerSample(new Shape(2, 64, 32, 32)));
        ConvolutionGeometry grouped = ConvolutionGeometry.of(
                Conv2d.builder().setKernelShape(new Shape(3, 3)).optGroups(4).setFilters(8).build());
        assertEquals(16L * 9 * 30 * 30, grouped.columnsPerSample(new Shape(2, 64, 32, 32)), "per group, no padding");
        ConvolutionGeometry dilated = ConvolutionGeometry.of(
                Conv2d.builder().setKernelShape(new Shape(3, 3)).optDilation(new Shape(2, 2)).setFilters(8).build());
        assertEquals(0, dilated.columnsPerSample(new Shape(2, 64, 32, 32)), "dilated: a sample at a time");
        ConvolutionGeometry transposed = ConvolutionGeometry.of(
                Conv2dTranspose.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build());
        assertEquals(0, transposed.columnsPerSample(new Shape(2, 64, 32, 32)), "transposed: a sample at a time");
    }

    @Test
    void aLargeBatchIsConvolvedInChunksWithTheSameOutputAndGradients() {
        Shape input = new Shape(64, 64, 32, 32);
        long columns = ConvolutionGeometry.of(conv3x3(8)).columnsPerSample(input) * Float.BYTES;
        assertTrue(BackwardChunks.ofWorkspace(64, columns).count() >= 3, "this batch is split");
        try (GradientHarness h = new GradientHarness(conv3x3(8), input, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(input).mul(30f);
            Map<String, NDArray> exact = h.exactGradients(x);
            NDArray plain = h.lastOutputs().singletonOrThrow();
            Map<String, NDArray> ours = h.compressedGradients(x);
            NDArray chunked = h.lastOutputs().singletonOrThrow();
            assertEquals(plain.getShape(), chunked.getShape());
            double outputError = GradientHarness.relativeError(chunked, plain);
            assertTrue(outputError < 1e-6, "output error " + outputError);
            double err = GradientHarness.worstRelativeError(ours, exact);
            assertTrue(err < 1e-5, "gradient error " + err);
        }
    }
}
