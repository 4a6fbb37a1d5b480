package ai.actnn.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/** Output sizes as PyTorch computes them, and parameter validation. */
class MaxPool2dSpecTest {

    @Test
    void outputSizesMatchPyTorch() {
        // torch.nn.functional.max_pool2d output sizes (dilation 1)
        assertEquals(56, MaxPool2dSpec.outputSize(112, 3, 2, 1, false));  // ResNet stem
        assertEquals(2, MaxPool2dSpec.outputSize(5, 2, 2, 0, false));
        assertEquals(3, MaxPool2dSpec.outputSize(5, 2, 2, 0, true));
        assertEquals(4, MaxPool2dSpec.outputSize(7, 3, 2, 1, false));
        assertEquals(4, MaxPool2dSpec.outputSize(7, 3, 2, 1, true));
        assertEquals(5, MaxPool2dSpec.outputSize(9, 3, 2, 1, true));
        // ceil mode drops a last window that would start in the right padding
        assertEquals(3, MaxPool2dSpec.outputSize(6, 3, 3, 1, true));
        assertEquals(2, MaxPool2dSpec.outputSize(4, 2, 3, 1, true));
        assertEquals(1, MaxPool2dSpec.outputSize(1, 1, 1, 0, false));
        assertEquals(-1, MaxPool2dSpec.outputSize(1, 3, 1, 0, false));  // too small: rejected by outputShape
    }

    @Test
    void outputShapeKeepsRank() {
        MaxPool2dSpec s = MaxPool2dSpec.of(3, 2, 1, false);
        assertEquals(new Shape(8, 64, 56, 56), s.outputShape(new Shape(8, 64, 112, 112)));
        assertEquals(new Shape(64, 56, 56), s.outputShape(new Shape(64, 112, 112)));
        assertThrows(IllegalArgumentException.class, () -> s.outputShape(new Shape(112, 112)));
        assertThrows(IllegalArgumentException.class, () -> MaxPool2dSpec.of(3, 1, 0, false)
                .outputShape(new Shape(1, 1, 2, 2)));
    }

    @Test
    void rejectsBadParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MaxPool2dSpec(16, 16, 1, 1, 0, 0, false));
        assertTrue(e.getMessage().contains("256 positions"), e.getMessage());
        new MaxPool2dSpec(15, 17, 1, 1, 0, 0, false);  // 255 positions: the largest window
        assertThrows(IllegalArgumentException.class, () -> MaxPool2dSpec.of(0, 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> MaxPool2dSpec.of(2, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> MaxPool2dSpec.of(3, 1, 2, false));
        assertThrows(IllegalArgumentException.class, () -> MaxPool2dSpec.of(3, 1, -1, false));
    }
}
