package ai.actnn.quant.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

/** The two group kernels agree bit for bit, whatever the group's length, start and bits. */
class KernelsTest {

    @Test
    void theVectorKernelIsChosenWhereItIsAvailable() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the tests run with --add-modules jdk.incubator.vector (see actnn-core/pom.xml)");
        Assumptions.assumeTrue(VectorKernel.fastHere());
        assertEquals("vector", Kernels.best().name(), "the faster kernel is the one tested by the backend tests");
    }

    @Test
    void kernelsAgreeOnEveryPieceOfWork() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        GroupKernel scalar = Kernels.scalar();
        GroupKernel vector = new VectorKernel();
        int groupSize = 96;
        Random random = new Random(17);
        Scratch a = new Scratch(groupSize);
        Scratch b = new Scratch(groupSize);
        for (int trial = 0; trial < 2000; trial++) {
            int length = 1 + random.nextInt(groupSize);
            float[] x = new float[groupSize];
            for (int i = 0; i < length; i++) {
                x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
            float[] xa = x.clone();
            float[] xb = x.clone();
            scalar.minMax(xa, length, a.minMax);
            vector.minMax(xb, length, b.minMax);
            assertArrayEquals(a.minMax, b.minMax, 0f, "minMax of " + length);
            int bits = 1 + random.nextInt(8);
            int levels = (1 << bits) - 1;
            float lo = a.minMax[0] - random.nextFloat() * 0.01f;
            float step = (a.minMax[1] - lo) / levels * (1 + random.nextFloat() * 0.01f);
            float inv = step == 0f ? 0f : 1f / step;
            // every tenth group ends just past a multiple of 2^32 elements, where the seed changes
            long first = trial % 10 == 0 ? (1L << 32) - 1 - random.nextInt(length) : random.nextInt(1 << 20);
            boolean stochastic = random.nextBoolean();
            scalar.encode(x, length, lo, inv, levels, first, trial, stochastic, a);
            vector.encode(x, length, lo, inv, levels, first, trial, stochastic, b);
            assertArrayEquals(a.codes, b.codes, "codes, trial " + trial);
            scalar.pack(a.codes, groupSize, bits, a.packed);
            vector.pack(b.codes, groupSize, bits, b.packed);
            assertArrayEquals(Arrays.copyOf(a.packed, groupSize / 8 * bits),
                    Arrays.copyOf(b.packed, groupSize / 8 * bits), "packed codes, trial " + trial);
            float[] ya = new float[groupSize];
            float[] yb = new float[groupSize];
            scalar.decode(a.packed, length, bits, lo, step, ya);
            vector.decode(a.packed, length, bits, lo, step, yb);
            for (int i = 0; i < length; i++) {
                assertEquals(ya[i], yb[i], 0f, "decoded element " + i + ", trial " + trial);
            }
        }
    }

    @Test
    void kernelsDrawTheSameRandomNumbers() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        GroupKernel scalar = Kernels.scalar();
        GroupKernel vector = new VectorKernel();
        Random random = new Random(23);
        for (int trial = 0; trial < 500; trial++) {
            int length = random.nextInt(5000);
            // a fifth of the ranges start just below a multiple of 2^32, where the seed changes
            long first = trial % 5 == 0 ? (1L << 32) * (1 + random.nextInt(3)) - random.nextInt(64)
                    : random.nextInt(1 << 24);
            long key = random.nextLong();
            float[] a = new float[length + 16];
            float[] b = new float[length + 16];
            scalar.uniform(key, first, a, length);
            vector.uniform(key, first, b, length);
            assertArrayEquals(Arrays.copyOf(a, length), Arrays.copyOf(b, length),
                    "first " + first + ", length " + length);
        }
    }

    @Test
    void foreignStatisticsClampLikeTheScalarCast() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        float[] x = {-1e30f, -5f, -0.5f, 0f, 2f, 3.99f, 1e30f, Float.NaN};
        Scratch a = new Scratch(32);
        Scratch b = new Scratch(32);
        float[] padded = java.util.Arrays.copyOf(x, 32);
        Kernels.scalar().encode(padded, x.length, 0f, 1f, 3, 0, 0, false, a);
        new VectorKernel().encode(padded, x.length, 0f, 1f, 3, 0, 0, false, b);
        assertArrayEquals(a.codes, b.codes);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 2, 3, 3, 0}, java.util.Arrays.copyOf(a.codes, 8));
    }

    @Test
    void kernelsAgreeOnMasks() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        GroupKernel scalar = Kernels.scalar();
        GroupKernel vector = new VectorKernel();
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1e30f, -1e30f};
        Random random = new Random(29);
        for (int trial = 0; trial < 500; trial++) {
            int length = 1 + random.nextInt(200);
            float[] x = new float[256];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(4) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            byte[] fa = new byte[256];
            byte[] fb = new byte[256];
            Arrays.fill(fb, (byte) 7); // whatever was there before is overwritten
            scalar.positiveFlags(x, length, fa);
            vector.positiveFlags(x, length, fb);
            int flagged = (length + 31) & -32;
            assertArrayEquals(Arrays.copyOf(fa, flagged), Arrays.copyOf(fb, flagged), "flags, trial " + trial);
            for (int i = 0; i < length; i++) {
                assertEquals(x[i] > 0f ? 1 : 0, fa[i], "flag of " + x[i]);
            }
            byte[] packed = new byte[40];
            random.nextBytes(packed);
            float scale = random.nextBoolean() ? 1f : 2f;
            float[] ka = x.clone();
            float[] kb = x.clone();
            scalar.keepMasked(ka, length, packed, scale);
            vector.keepMasked(kb, length, packed, scale);
            for (int i = 0; i < length; i++) {
                boolean kept = ((packed[i >>> 3] >>> (i & 7)) & 1) != 0;
                float expected = kept ? x[i] * scale : 0f;
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(ka[i]), "scalar element " + i);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(kb[i]), "vector element " + i);
            }
        }
    }
}
