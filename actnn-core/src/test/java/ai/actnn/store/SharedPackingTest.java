package ai.actnn.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * One tensor saved by several sites that ask for different bits (a ResNet block's input, taken
 * by its first convolution and its projection shortcut) is kept once, at the most bits any site
 * asked for in each sample: counted once, held once, restored alike by every user, within the
 * wider bits' rounding step, and freed with its last user.
 */
class SharedPackingTest {

    private static final int SAMPLES = 4;
    private static final int FEATURES = 512;
    private static final int GROUP = 256;

    private static final ActivationSite FIRST = new ActivationSite("first", ActivationSite.Kind.LINEAR, 1);
    private static final ActivationSite SECOND = new ActivationSite("second", ActivationSite.Kind.LINEAR, 1);
    private static final ActivationSite THIRD = new ActivationSite("third", ActivationSite.Kind.LINEAR, 1);

    /** Bits per sample of each site. */
    private static final Map<ActivationSite, int[]> BITS = Map.of(
            FIRST, new int[] {2, 3, 2, 1},
            SECOND, new int[] {3, 2, 2, 1},
            THIRD, new int[] {1, 1, 2, 1});

    private static final BitPolicy BY_SITE = new BitPolicy() {
        @Override
        public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
            return BITS.get(site).clone();
        }
    };

    /** Payload and FP16 records of a packed [SAMPLES, FEATURES] tensor at these bits. */
    private static long packedBytes(int... bits) {
        long bytes = 0;
        for (int b : bits) {
            bytes += (long) FEATURES * b / 8 + (FEATURES / GROUP) * 4L;
        }
        return bytes;
    }

    private static ActivationStore store(NDManager manager) {
        ActNNConfig config = ActNNConfig.forLevel("L3");
        return new ActivationStore(new CompressionStep(config, BY_SITE, 11), manager);
    }

    @Test
    void keepsOneCopyAtTheWidestBitsOfEverySample() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = store(m)) {
            NDArray x = m.randomNormal(new Shape(SAMPLES, FEATURES)).mul(3).add(1);
            SavedActivation first = store.save(x, FIRST);
            assertEquals(packedBytes(2, 3, 2, 1), store.storedBytes(), "first site's copy");

            SavedActivation second = store.save(x, SECOND);
            long widest = packedBytes(3, 3, 2, 1);
            assertEquals(widest, store.storedBytes(), "one copy at the widest bits, counted once");
            assertEquals(widest, store.heldBytes(), "the narrower copy is freed");
            assertEquals(widest * 8.0 / (SAMPLES * FEATURES), store.averageBits(), 1e-12,
                    "the tensor's elements counted once, at the widest copy's bits");

            SavedActivation third = store.save(x, THIRD);
            assertEquals(widest, store.heldBytes(), "a site that asks for fewer bits shares the copy");

            float[] values = x.toFloatArray();
            try (NDArray a = first.restore(m);
                    NDArray b = second.restore(m);
                    NDArray c = third.restore(m)) {
                float[] ra = a.toFloatArray();
                assertArrayEquals(ra, b.toFloatArray(), "every user restores the same copy");
                assertArrayEquals(ra, c.toFloatArray(), "every user restores the same copy");
                int[] bits = {3, 3, 2, 1};
                for (int s = 0; s < SAMPLES; s++) {
                    for (int g = 0; g < FEATURES / GROUP; g++) {
                        float lo = Float.MAX_VALUE;
                        float hi = -Float.MAX_VALUE;
                        int from = s * FEATURES + g * GROUP;
                        for (int i = from; i < from + GROUP; i++) {
                            lo = Math.min(lo, values[i]);
                            hi = Math.max(hi, values[i]);
                        }
                        // One rounding step at the sample's wider bits (with the FP16 step's slack).
                        double step = (hi - lo) / ((1 << bits[s]) - 1) * 1.002;
                        for (int i = from; i < from + GROUP; i++) {
                            double error = Math.abs(ra[i] - values[i]);
                            assertTrue(error <= step, "sample " + s + " element " + i + ": error " + error
                                    + " above one step " + step + " at " + bits[s] + " bits");
                        }
                    }
                }
            }
            first.close();
            second.close();
            assertEquals(widest, store.heldBytes(), "held while a user is left");
            third.close();
            assertEquals(0, store.heldBytes(), "freed with its last user");
        }
    }

    @Test
    void anExactCopyServesACompressedRequest() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = store(m)) {
            NDArray x = m.randomNormal(new Shape(SAMPLES, FEATURES));
            try (SavedActivation exact = store.saveExact(x);
                    SavedActivation packed = store.save(x, FIRST);
                    NDArray restored = packed.restore(m)) {
                assertEquals(SAMPLES * FEATURES * 4L, store.heldBytes(), "no packed copy beside the exact one");
                assertArrayEquals(x.toFloatArray(), restored.toFloatArray(), "restored exactly");
            }
        }
    }
}
