package ai.actnn.distributed;

import ai.actnn.distributed.internal.GlooGroup;
import ai.actnn.distributed.internal.Rendezvous;
import ai.actnn.distributed.internal.TensorViews;
import ai.actnn.distributed.internal.TorchNatives;
import ai.djl.ndarray.NDArray;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of a data-parallel job, connected the way {@code
 * torch.distributed.init_process_group("gloo", init_method="env://")} connects them: rank 0 serves
 * a c10d {@code TCPStore} at {@code MASTER_ADDR:MASTER_PORT}, every rank checks in (a rank claimed
 * twice, a rank out of range or a different {@code WORLD_SIZE} is an error at start, naming the
 * values), then c10d's {@code ProcessGroupGloo} connects them all. It runs inside the libtorch
 * that DJL loaded ({@link TorchNatives}), on DJL's tensors without copies.
 *
 * <p>Failures end every rank with an exception instead of a hang: a rank that never arrives
 * within the init timeout, a peer that dies (noticed at once), a peer that stops answering
 * (after the collective timeout). After a failed collective the group is unusable.
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.init(DistributedConfig.fromEnvironment())) {
 *     ActNNTrainer trainer = ActNN.newTrainer(model, trainingConfig, actnnConfig);
 *     DistributedTraining.attach(trainer, group);
 *     EasyTrain.fit(trainer, epochs, DistributedTraining.shard(train, group), null);
 * }
 * }</pre>
 */
public final class ProcessGroup implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ProcessGroup.class);

    private final DistributedConfig config;
    private final Rendezvous rendezvous;
    private final GlooGroup main;
    private final List<GlooGroup> subgroups = new ArrayList<>();
    private int subgroupsCreated;
    private final List<AutoCloseable> dependents = new ArrayList<>();
    private boolean closed;

    private ProcessGroup(DistributedConfig config, Rendezvous rendezvous, GlooGroup main) {
        this.config = config;
        this.rendezvous = rendezvous;
        this.main = main;
    }

    /**
     * Joins the job (blocks until every rank joined, or the init timeout).
     *
     * @param config where and how
     * @return the group
     * @throws UnsupportedOperationException if DJL's libtorch is not the CPU build 2.7.1 on Linux
     *     x86-64
     * @throws IllegalStateException if the ranks do not agree (rank claimed twice, world sizes
     *     differ) or not all arrive in time
     */
    public static ProcessGroup init(DistributedConfig config) {
        TorchNatives.load();
        long start = System.nanoTime();
        Rendezvous rendezvous = Rendezvous.connect(config.getMasterAddr(), config.getMasterPort(), config.getRank(),
                config.getWorldSize(), config.getInitTimeout().toMillis(), config.getSocketInterface());
        GlooGroup main;
        try {
            main = rendezvous.newGroup("default_pg", config.getTimeout().toMillis());
        } catch (RuntimeException e) {
            rendezvous.close();
            throw e;
        }
        logger.info("rank {} of {} joined {}:{} in {} ms (Gloo device {})", config.getRank(), config.getWorldSize(),
                config.getMasterAddr(), config.getMasterPort(), (System.nanoTime() - start) / 1_000_000,
                rendezvous.deviceName());
        return new ProcessGroup(config, rendezvous, main);
    }

    /**
     * Joins the job described by the environment ({@link DistributedConfig#fromEnvironment()}).
     *
     * @return the group
     */
    public static ProcessGroup fromEnvironment() {
        return init(DistributedConfig.fromEnvironment());
    }

    /** @return this process's rank, from 0 */
    public int rank() {
        return config.getRank();
    }

    /** @return the number of processes */
    public int worldSize() {
        return config.getWorldSize();
    }

    /** @return this process's rank on its machine */
    public int localRank() {
        return config.getLocalRank();
    }

    /** @return whether this is rank 0, which logs and saves checkpoints */
    public boolean isMain() {
        return config.getRank() == 0;
    }

    /** @return the configuration the group was created with */
    public DistributedConfig getConfig() {
        return config;
    }

    /**
     * Sums a CPU array over all ranks, in place, on the array's own memory.
     *
     * @param array a float32, float64, int32 or int64 array on the CPU
     * @throws IllegalArgumentException for another device or type
     */
    public void allReduceSum(NDArray array) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = TensorViews.contiguousCpu(array);
            main.allReduceSum(t, "sum of an array of " + array.size() + " elements").await();
        }
    }

    /**
     * Overwrites a CPU array with rank 0's values (every rank but 0 contributes zeros to a sum:
     * exact).
     *
     * @param array the array
     */
    public void broadcastFromRank0(NDArray array) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = TensorViews.contiguousCpu(array);
            if (rank() != 0) {
                t.zero_();
            }
            main.allReduceSum(t, "broadcast of an array of " + array.size() + " elements").await();
        }
    }

    /** Waits until every rank reached this point. */
    public void barrier() {
        main.barrier();
    }

    /**
     * Returns the group that carries gradients (for {@link DistributedReplicas}).
     *
     * @return the main group
     */
    GlooGroup mainGroup() {
        return main;
    }

    /**
     * Connects another process group of the same ranks, for collectives that must not interleave
     * with the main group's (batch statistics during a backward that sends gradient buckets).
     * Every rank must call it at the same point.
     *
     * <p>Each call rendezvouses under a key prefix of its own ({@code name} and the number of
     * subgroups created before, which every rank counts alike): a second group of the same name
     * (a second trainer attached to this job) must not find the addresses that the first one
     * published in the store, or one rank connects to the old group while the other waits.
     *
     * @param name the group's name
     * @return the group, closed with this one
     */
    synchronized GlooGroup newSubgroup(String name) {
        GlooGroup g = rendezvous.newGroup(name + "_" + subgroupsCreated++, config.getTimeout().toMillis());
        subgroups.add(g);
        return g;
    }

    /** Closes something that uses this group's connections before the group itself. */
    synchronized void closeWith(AutoCloseable dependent) {
        dependents.add(dependent);
    }

    /** Leaves the job: closes the connections and frees c10d's objects. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable d : dependents) {
            try {
                d.close();
            } catch (Exception e) {
                logger.warn("cannot close {}: {}", d, e.toString());
            }
        }
        try {
            for (GlooGroup g : subgroups) {
                g.close();
            }
            main.close();
        } finally {
            rendezvous.close();
        }
    }
}
