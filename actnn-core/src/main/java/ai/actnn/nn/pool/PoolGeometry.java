package ai.actnn.nn.pool;

import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The geometry of a pooling block, read from the arguments DJL's {@code Pool.*Block()} captured.
 *
 * @param kernel the window
 * @param stride the stride
 * @param padding the padding
 * @param ceilMode PyTorch's ceil mode
 * @param countIncludePad whether padding counts in averages (average pooling only)
 */
public record PoolGeometry(
        Shape kernel, Shape stride, Shape padding, boolean ceilMode, boolean countIncludePad) {

    @Override
    public String toString() {
        return "kernel "
                + Arrays.toString(kernel.getShape())
                + ", stride "
                + Arrays.toString(stride.getShape())
                + ", padding "
                + Arrays.toString(padding.getShape())
                + (ceilMode ? ", ceil" : "");
    }
}
