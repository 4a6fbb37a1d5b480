package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StratifiedSplitTest {

    private static MnistArrays grouped(int perClass) {
        int n = perClass * 10;
        byte[] labels = new byte[n];
        byte[] pixels = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i / perClass);
            pixels[i * 4] = (byte) i; // identifies the image
        }
        return new MnistArrays(pixels, labels, 2, 2);
    }

    @Test
    void keepsEachClassShareAndLosesNothing() {
        MnistArrays[] split = StratifiedSplit.split(grouped(50), 0.2, 1);
        assertEquals(400, split[0].count());
        assertEquals(100, split[1].count());
        for (int c : split[1].labelCounts()) {
            assertEquals(10, c);
        }
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (MnistArrays part : split) {
            for (int i = 0; i < part.count(); i++) {
                ids.add(Math.round(part.pixel(i, 0, 0) * 255));
            }
        }
        assertEquals(256, ids.size()); // ids wrap at 256 bytes; all 256 values appear
    }

    @Test
    void isDeterministicPerSeedAndShuffled() {
        MnistArrays all = grouped(20);
        MnistArrays[] a = StratifiedSplit.split(all, 0.25, 3);
        MnistArrays[] b = StratifiedSplit.split(all, 0.25, 3);
        MnistArrays[] c = StratifiedSplit.split(all, 0.25, 4);
        assertArrayEquals(a[0].labelBytes(), b[0].labelBytes());
        assertNotEquals(java.util.Arrays.toString(a[0].labelBytes()), java.util.Arrays.toString(c[0].labelBytes()));
        // shuffled: not grouped by class
        assertNotEquals(0, a[0].label(0) + a[0].label(1) + a[0].label(2) + a[0].label(3) + a[0].label(4));
    }

    @Test
    void rejectsBadFractions() {
        assertThrows(IllegalArgumentException.class, () -> StratifiedSplit.split(grouped(2), 1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> StratifiedSplit.split(grouped(2), 0, 0));
    }
}
