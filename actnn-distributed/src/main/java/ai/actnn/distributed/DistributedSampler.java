package ai.actnn.distributed;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A DJL {@link Sampler} that gives each process its share of every global batch (PyTorch's
 * {@code DistributedSampler}): the processes draw the same order of the dataset (the same seed,
 * a new permutation each epoch), cut it into global batches, and process {@code r} takes the
 * {@code r}-th slice of {@code globalBatch / worldSize} samples of each. A last incomplete global
 * batch is dropped, so every process runs the same number of steps (a process with one step more
 * would wait for the others in vain).
 *
 * <pre>{@code
 * new ArrayDataset.Builder().setData(x).optLabels(y)
 *         .setSampling(new DistributedSampler(256, true, seed, group.rank(), group.worldSize()))
 *         .build();
 * }</pre>
 */
public final class DistributedSampler implements Sampler {

    private final int globalBatch;
    private final int localBatch;
    private final boolean shuffle;
    private final long seed;
    private final int rank;
    private final int worldSize;
    private int epoch;

    /**
     * Creates the sampler of one process.
     *
     * @param globalBatch the batch of one step over all processes, a multiple of the world size
     * @param shuffle whether each epoch draws a new order
     * @param seed the seed of the orders, the same on every process
     * @param rank this process's rank
     * @param worldSize the number of processes
     * @throws IllegalArgumentException naming the values if they do not fit
     */
    public DistributedSampler(int globalBatch, boolean shuffle, long seed, int rank, int worldSize) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " does not fit world size " + worldSize);
        }
        if (globalBatch < worldSize || globalBatch % worldSize != 0) {
            throw new IllegalArgumentException("the global batch " + globalBatch + " must be a positive multiple of the"
                    + " number of processes " + worldSize + ", so that each takes the same share");
        }
        this.globalBatch = globalBatch;
        this.localBatch = globalBatch / worldSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    /**
     * Returns the batches of this process for the next epoch.
     *
     * @param dataset the dataset
     * @return the dataset indices of each local batch
     */
    @Override
    public synchronized Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        int n = (int) Math.min(size, Integer.MAX_VALUE);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random random = new Random(seed * 1_000_003L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        epoch++;
        int steps = n / globalBatch;
        return new Iterator<>() {
            private int step;

            @Override
            public boolean hasNext() {
                return step < steps;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int from = step * globalBatch + rank * localBatch;
                List<Long> batch = new ArrayList<>(localBatch);
                for (int i = 0; i < localBatch; i++) {
                    batch.add((long) order[from + i]);
                }
                step++;
                return batch;
            }
        };
    }

    /**
     * Returns the batch of one process.
     *
     * @return the local batch size
     */
    @Override
    public int getBatchSize() {
        return localBatch;
    }

    /** @return the number of processes */
    public int getWorldSize() {
        return worldSize;
    }
}
