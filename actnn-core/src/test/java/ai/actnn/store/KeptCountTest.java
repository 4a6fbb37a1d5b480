package ai.actnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicies;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

/**
 * The store's count by kind: each saved item is counted under its kind, the kinds add up to the
 * bytes the store holds, and the breakdown names each kind with its bytes and bits.
 */
class KeptCountTest {

    @Test
    void kindsAddUpToWhatTheStoreHolds() {
        ActNNConfig config = ActNNConfig.forLevel("L3");
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore store = new ActivationStore(new CompressionStep(config, BitPolicies.create(config), 3), m)) {
            NDArray x = m.randomNormal(new Shape(8, 1024));
            SavedOutput<SavedMask> relu = store.relu(x);
            SavedActivation packed = store.save(relu.output(), new ActivationSite("fc", ActivationSite.Kind.LINEAR, 1));
            SavedActivation exact = store.saveExact(m.randomNormal(new Shape(8, 16)));

            KeptCount count = new KeptCount();
            count.add(KeptCount.Kind.of(relu.saved()), relu.saved().storedBytes(), x.size());
            count.add(KeptCount.Kind.of(packed), packed.storedBytes(), x.size());
            count.add(KeptCount.Kind.of(exact), exact.storedBytes(), 8 * 16);
            assertEquals(KeptCount.Kind.MASK, KeptCount.Kind.of(relu.saved()));
            assertEquals(KeptCount.Kind.PACKED, KeptCount.Kind.of(packed));
            assertEquals(KeptCount.Kind.EXACT, KeptCount.Kind.of(exact));
            assertEquals(store.heldBytes(), count.bytes(), "the kinds add up to the bytes held");
            assertEquals(store.storedBytes(), count.bytes(), "and to the store's own count");
            assertEquals(store.averageBits(), count.averageBits(), 1e-12);

            String described = count.describe();
            assertTrue(described.contains(String.format(java.util.Locale.ROOT, "1-bit masks %.2f MB at 1.00 bits",
                    relu.saved().storedBytes() / KeptCount.MB)), described);
            assertTrue(described.contains("packed activations"), described);
            assertTrue(described.contains("exact activations 0.00 MB at 32.00 bits"), described);
            assertTrue(!described.contains("max-pool offsets"), "kinds that kept nothing are left out: " + described);
            relu.saved().close();
            packed.close();
            exact.close();
            assertEquals(0, store.heldBytes());
        }
    }
}
