package ai.actnn.quant.cpu;

import ai.actnn.quant.FormatReference;
import ai.actnn.quant.PackedTensor;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.Random;

/** Helpers shared by the CPU backend's tests. */
final class QuantTestSupport {

    private QuantTestSupport() {}

    /**
     * Returns backends that differ only in how the work is split and which kernel computes: they
     * must all produce the same bytes.
     *
     * @return the backends
     */
    static CpuQuantizerBackend[] variants() {
        return new CpuQuantizerBackend[] {
            new CpuQuantizerBackend(new Parallel(1, 1), Kernels.scalar()),
            new CpuQuantizerBackend(new Parallel(2, 1), Kernels.scalar()),
            new CpuQuantizerBackend(new Parallel(1, 1), Kernels.best()),
            new CpuQuantizerBackend(new Parallel(3, 7), Kernels.best()),
            new CpuQuantizerBackend(new Parallel(8, 1), Kernels.best()),
            new CpuQuantizerBackend(),
        };
    }

    /**
     * Returns the bytes of a packed tensor.
     *
     * @param packed the packed tensor
     * @return a copy of its bytes
     */
    static byte[] bytes(PackedTensor packed) {
        return packed.getStorage().size() == 0 ? new byte[0] : packed.getStorage().toByteArray();
    }

    /**
     * Returns Gaussian values with a per-sample scale and offset, so that groups differ.
     *
     * @param n how many
     * @param seed the seed
     * @return the values
     */
    static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * (1 + (i / 97) % 5) + (i / 301) % 3);
        }
        return x;
    }

    /**
     * Returns the tolerance of one element's error: the step (stochastic) or half of it (nearest),
     * plus the fp32 rounding of {@code t} and of {@code x'} (see docs/format.md).
     *
     * @param step the group's step
     * @param x the element
     * @param stochastic the rounding
     * @return the largest allowed {@code |x' - x|}
     */
    static double tolerance(float step, float x, boolean stochastic) {
        return (stochastic ? step : step / 2) * (1 + 0x1p-12) + Math.ulp(Math.abs(x) + step);
    }

    /**
     * Packs with the independent reference.
     *
     * @param x the values
     * @param shape the shape
     * @param groupSize G
     * @param bits bits per sample
     * @param key the key
     * @param stochastic the rounding
     * @return the reference bytes
     */
    static FormatReference.Packed reference(
            float[] x, Shape shape, int groupSize, int[] bits, long key, boolean stochastic) {
        int samples = shape.dimension() == 0 ? 1 : (int) shape.get(0);
        int features = shape.dimension() <= 1 ? 1 : (int) shape.slice(1).size();
        return FormatReference.pack(x, samples, features, groupSize, bits, key, stochastic);
    }

    /**
     * Returns a stand-in tensor that claims to live elsewhere or to have another type, for the
     * argument checks (no GPU is needed to test that GPU tensors are refused).
     *
     * @param device the claimed device
     * @param type the claimed data type
     * @param shape the claimed shape
     * @return the stand-in
     */
    static NDArray fake(Device device, DataType type, Shape shape) {
        return (NDArray) Proxy.newProxyInstance(
                NDArray.class.getClassLoader(),
                new Class<?>[] {NDArray.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getDevice":
                            return device;
                        case "getDataType":
                            return type;
                        case "getShape":
                            return shape;
                        case "size":
                            return shape.size();
                        case "getSparseFormat":
                            return SparseFormat.DENSE;
                        case "toByteBuffer":
                            return ByteBuffer.allocate(0);
                        case "toString":
                            return "fake " + type + " on " + device;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
