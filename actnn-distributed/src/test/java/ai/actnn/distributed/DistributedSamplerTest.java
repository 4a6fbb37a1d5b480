package ai.actnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Each process takes its own slice of every global batch; together they cover it exactly once. */
class DistributedSamplerTest {

    @Test
    void ranksShareEveryGlobalBatchWithoutOverlap() {
        try (NDManager m = NDManager.newBaseManager()) {
            ArrayDataset data = new ArrayDataset.Builder().setData(m.arange(103f)).setSampling(1, false).build();
            int world = 4;
            List<List<List<Long>>> perRank = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                DistributedSampler s = new DistributedSampler(12, true, 5, r, world);
                assertEquals(3, s.getBatchSize());
                List<List<Long>> batches = new ArrayList<>();
                for (Iterator<List<Long>> it = s.sample(data); it.hasNext();) {
                    batches.add(it.next());
                }
                perRank.add(batches);
            }
            // 103 samples = 8 global batches of 12, the last 7 dropped: the same steps everywhere
            for (List<List<Long>> b : perRank) {
                assertEquals(8, b.size());
            }
            Set<Long> seen = new HashSet<>();
            for (int step = 0; step < 8; step++) {
                for (int r = 0; r < world; r++) {
                    for (long i : perRank.get(r).get(step)) {
                        assertTrue(seen.add(i), "sample " + i + " twice");
                    }
                }
            }
            assertEquals(96, seen.size());
        }
    }

    @Test
    void globalBatchMustSplitEvenly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, true, 1, 0, 4));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("4"), e.getMessage());
    }
}
