package ai.actnn.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MetadataType;
import ai.actnn.quant.PackedTensor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/**
 * A ReLU output saved by the op that consumes it is kept as its positive elements only, packed,
 * with a hold on ReLU's own mask: about half the bytes of packing it whole, exact zeros where
 * ReLU cut, the positive elements within one rounding step, restorable in chunks, and freed with
 * its last holder. A ReLU output changed in place since ReLU is packed whole.
 */
class ReluOutputPackingTest {

    private static final int SAMPLES = 4;
    private static final int FEATURES = 2048;
    private static final int BITS = 2;
    private static final ActivationSite SITE = new ActivationSite("conv", ActivationSite.Kind.CONV, 1);

    private static final BitPolicy TWO_BITS = new BitPolicy() {
        @Override
        public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
            int[] bits = new int[samples];
            java.util.Arrays.fill(bits, BITS);
            return bits;
        }
    };

    private static ActivationStore store(NDManager manager) {
        return new ActivationStore(new CompressionStep(ActNNConfig.forLevel("L3"), TWO_BITS, 5), manager);
    }

    private static long packedBytes(long features) {
        byte[] bits = new byte[SAMPLES];
        java.util.Arrays.fill(bits, (byte) BITS);
        return PackedTensor.expectedBytes(
                new Shape(SAMPLES, features), GroupSizes.choose(features, 256), bits, MetadataType.FP16);
    }

    /** The most elements above zero in any sample. */
    private static int widest(float[] y) {
        int widest = 0;
        for (int n = 0; n < SAMPLES; n++) {
            int count = 0;
            for (int i = 0; i < FEATURES; i++) {
                count += y[n * FEATURES + i] > 0 ? 1 : 0;
            }
            widest = Math.max(widest, count);
        }
        return widest;
    }

    private static void assertRestored(float[] y, float[] restored, String what) {
        for (int n = 0; n < SAMPLES; n++) {
            float max = 0;
            for (int i = 0; i < FEATURES; i++) {
                max = Math.max(max, y[n * FEATURES + i]);
            }
            // a group's range lies within [0, the sample's largest value]; FP16 records add slack
            double step = max / ((1 << BITS) - 1) * 1.002;
            for (int i = n * FEATURES; i < (n + 1) * FEATURES; i++) {
                if (y[i] > 0) {
                    assertTrue(Math.abs(restored[i] - y[i]) <= step,
                            what + ": element " + i + " restored " + restored[i] + " from " + y[i]);
                } else {
                    assertEquals(0, Float.floatToRawIntBits(restored[i]), what + ": element " + i + " is +0");
                }
            }
        }
    }

    @Test
    void keepsOnlyThePositiveElements() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = store(m)) {
            NDArray x = m.randomNormal(new Shape(SAMPLES, FEATURES)).mul(3);
            SavedOutput<SavedMask> relu = store.relu(x);
            long mask = relu.saved().storedBytes();
            float[] y = relu.output().toFloatArray();
            SavedActivation saved = store.save(relu.output(), SITE);
            long expected = packedBytes(widest(y));
            assertEquals(expected, saved.storedBytes(), "the positive elements packed");
            assertTrue(expected < 0.6 * packedBytes(FEATURES), expected + " bytes against " + packedBytes(FEATURES));
            assertEquals(expected + mask, store.storedBytes(), "counted");
            assertEquals(expected + mask, store.heldBytes(), "held");
            assertEquals(expected * 8.0 / (SAMPLES * FEATURES), saved.bitsPerElement(), 1e-12);

            try (NDArray restored = saved.restore(m)) {
                assertEquals(x.getShape(), restored.getShape());
                assertRestored(y, restored.toFloatArray(), "restored");
                try (NDArray part = saved.restore(m, 1, 3)) {
                    assertArrayEquals(restored.get("1:3").toFloatArray(), part.toFloatArray(), "samples 1 to 3");
                }
            }
            relu.saved().close();
            assertEquals(expected + mask, store.heldBytes(), "ReLU's backward is done, the mask is still held");
            try (NDArray restored = saved.restore(m)) {
                assertRestored(y, restored.toFloatArray(), "restored after ReLU closed its mask");
            }
            saved.close();
            assertEquals(0, store.heldBytes(), "freed with the last holder");
        }
    }

    @Test
    void theOutputOfAnInPlaceReluIsCompactedToo() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = store(m)) {
            NDArray x = m.randomNormal(new Shape(SAMPLES, FEATURES));
            SavedOutput<SavedMask> relu = store.reluInPlace(x);
            float[] y = relu.output().toFloatArray();
            try (SavedActivation saved = store.save(relu.output(), SITE);
                    NDArray restored = saved.restore(m)) {
                assertEquals(packedBytes(widest(y)), saved.storedBytes());
                assertRestored(y, restored.toFloatArray(), "restored");
            }
            relu.saved().close();
            assertEquals(0, store.heldBytes());
        }
    }

    @Test
    void aReluOutputChangedSinceIsPackedWhole() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = store(m)) {
            NDArray x = m.randomNormal(new Shape(SAMPLES, FEATURES));
            SavedOutput<SavedMask> relu = store.relu(x);
            relu.output().subi(1f);
            float[] changed = relu.output().toFloatArray();
            try (SavedActivation saved = store.save(relu.output(), SITE);
                    NDArray restored = saved.restore(m)) {
                assertEquals(packedBytes(FEATURES), saved.storedBytes(), "packed whole");
                float[] r = restored.toFloatArray();
                float lo = Float.MAX_VALUE;
                float hi = -Float.MAX_VALUE;
                for (float v : changed) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                double step = (hi - lo) / ((1 << BITS) - 1) * 1.002;
                for (int i = 0; i < r.length; i++) {
                    assertTrue(Math.abs(r[i] - changed[i]) <= step, "element " + i);
                }
            }
            relu.saved().close();
        }
    }
}
