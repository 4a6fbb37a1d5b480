package ai.actnn.training;

import ai.actnn.config.ActNNConfig;
import ai.actnn.internal.GlibcAllocator;
import ai.actnn.internal.TrainerIntrospection;
import ai.actnn.internal.TrainerPreparation;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * A DJL {@link Trainer} whose gradient collectors run ActNN's compressed backward, so that
 * {@code EasyTrain.fit} and hand-written DJL loops train a converted model with compressed
 * activations, unchanged otherwise.
 *
 * <p><b>Several devices.</b> As DJL does, {@code EasyTrain} splits each batch over the training
 * config's devices and the parameter server sums the splits' gradients. Every split records and
 * compresses: in the calling thread one after the other, or, when the config has an executor
 * ({@code optExecutorService}), concurrently on its threads, each on a tape of its own. A device
 * may be listed more than once (DJL itself refuses that): its splits then share the device's
 * parameter copy and add their gradients into it, which gives concurrent splits on one CPU.
 * {@code QSyncBatchNorm} computes batch statistics over all splits of a step, which needs the
 * executor (without it, it fails with a message that says so).
 *
 * <p><b>Several processes.</b> With a {@link ReplicaGroup} ({@link #setReplicaGroup}; {@code
 * actnn-distributed} creates one from torchrun's environment variables) the trainer makes every
 * process start from rank 0's parameters, and {@link #step()} replaces each gradient by its mean
 * over the processes before the optimizer runs (sent in buckets while the compressed backward
 * goes on, where possible); {@code QSyncBatchNorm} then also sums its statistics over the
 * processes. {@code EasyTrain} and hand-written loops stay unchanged.
 */
public class ActNNTrainer extends Trainer {

    /** Default wait of a split for the others at a batch-statistics exchange: 10 minutes. */
    public static final long DEFAULT_COLLECTIVE_TIMEOUT_MILLIS = 600_000;

    private final CompressionState compression;
    private final Device[] devices;
    private final Device[] uniqueDevices;
    private ReplicaGroup replica;
    private ReplicaGroup.StepSynchronization pendingSync;
    private boolean replicasAligned;
    private StepExecutor executor;
    private long collectiveTimeoutMillis = DEFAULT_COLLECTIVE_TIMEOUT_MILLIS;

    /**
     * Creates a trainer that compresses with a configuration of its own for its whole life.
     *
     * <p>The first trainer of a process asks glibc to keep the heaps that freed tensors empty
     * mapped for reuse (on Linux, unless the environment sets glibc's malloc thresholds itself;
     * {@code -Dactnn.allocatorTuning=false} keeps glibc's defaults): the engine frees activations
     * as soon as they are dead, and with glibc's defaults every step then faults its memory in
     * anew (docs/troubleshooting.md, "Slow steps").
     *
     * @param model the model (usually with a block from {@code QModule.convert})
     * @param trainingConfig DJL's training configuration
     * @param actnnConfig the compression configuration
     * @throws IllegalArgumentException if {@code actnn.allocatorTuning} or {@code
     *     ACTNN_ALLOCATOR_TUNING} is set to something other than true or false
     */
    public ActNNTrainer(Model model, TrainingConfig trainingConfig, ActNNConfig actnnConfig) {
        super(prepared(model, trainingConfig), UniqueDevicesConfig.of(trainingConfig));
        this.compression = new CompressionState(actnnConfig);
        this.devices = trainingConfig.getDevices().clone();
        this.uniqueDevices = UniqueDevicesConfig.unique(devices);
    }

    /**
     * Returns the devices each batch is split over, one split per entry (a device may appear more
     * than once).
     *
     * @return the devices, a copy
     */
    @Override
    public Device[] getDevices() {
        return devices.clone();
    }

    /**
     * Returns the training config's executor, through which each task submitted while a step is
     * open on the submitting thread (as {@code EasyTrain} submits splits) runs as a split of that
     * step with a tape of its own.
     *
     * @return the executor, if the config has one
     */
    @Override
    public Optional<ExecutorService> getExecutorService() {
        Optional<ExecutorService> configured = super.getExecutorService();
        if (configured.isEmpty()) {
            return configured;
        }
        synchronized (this) {
            if (executor == null || executor.delegate() != configured.get()) {
                executor = new StepExecutor(configured.get());
            }
            return Optional.of(executor);
        }
    }

    /**
     * Makes this trainer one replica of a data-parallel group: before the first step every
     * parameter takes rank 0's value, each {@link #step()} averages the gradients over the
     * group, and {@code QSyncBatchNorm} sums its statistics over it. Call before the first step;
     * the caller keeps ownership of the group (close it after the trainer).
     *
     * @param group the group, or null for training alone
     * @throws IllegalStateException if a step has already started
     */
    public synchronized void setReplicaGroup(ReplicaGroup group) {
        if (replicasAligned || pendingSync != null) {
            throw new IllegalStateException("set the replica group before the first training step");
        }
        this.replica = group;
        compression.setReplicaRank(group == null ? 0 : group.rank());
    }

    /**
     * Returns the data-parallel group of this trainer.
     *
     * @return the group, or null
     */
    public synchronized ReplicaGroup getReplicaGroup() {
        return replica;
    }

    /**
     * Sets how long a split of a step waits for the other splits of this process at a
     * batch-statistics exchange before the step fails (default {@value
     * #DEFAULT_COLLECTIVE_TIMEOUT_MILLIS} ms). Exchanges with other processes are bounded by the
     * replica group's own timeout.
     *
     * @param timeout the timeout, positive
     * @throws IllegalArgumentException if it is not positive
     */
    public synchronized void setCollectiveTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("collective timeout " + timeout + " is invalid: it must be positive");
        }
        collectiveTimeoutMillis = timeout.toMillis();
    }

    /**
     * Sets the process's allocator once, then does what DJL's {@code Model.newTrainer} does before
     * it creates a trainer.
     */
    private static Model prepared(Model model, TrainingConfig trainingConfig) {
        // before DJL's constructor creates anything: a bad switch value then leaves nothing behind
        GlibcAllocator.applyOnce();
        TrainerPreparation.prepare(model, trainingConfig);
        return model;
    }

    /**
     * Returns a collector that records the Q-layers of this step and runs their compressed
     * backward.
     *
     * @return the collector
     */
    @Override
    public GradientCollector newGradientCollector() {
        StepPlan plan;
        synchronized (this) {
            if (replica != null) {
                if (!replicasAligned) {
                    replica.broadcastFromRank0(parameterCopies(false));
                    replicasAligned = true;
                }
                if (pendingSync == null) {
                    List<NDArray> owners = parameterCopies(true);
                    pendingSync = replica.beginStep(owners, contributors(owners));
                }
            }
            plan = new StepPlan(devices.length, replica, pendingSync, collectiveTimeoutMillis);
        }
        return new CompressedGradientCollector(compression, getManager(), this::parameterArrays, plan);
    }

    /**
     * Runs the training forward (as DJL's trainer does); a failure in a split of a step on a
     * worker thread is also kept for the step's collector to report, as DJL's {@code EasyTrain}
     * drops it.
     *
     * @param input the inputs
     * @return the outputs
     */
    @Override
    public NDList forward(NDList input) {
        try {
            return super.forward(input);
        } catch (RuntimeException | Error e) {
            CompressedGradientCollector.recordSplitFailure(e);
            throw e;
        }
    }

    /**
     * Runs the training forward with labels (as DJL's trainer does); a failure in a split of a
     * step on a worker thread is also kept for the step's collector to report.
     *
     * @param data the inputs
     * @param labels the labels
     * @return the outputs
     */
    @Override
    public NDList forward(NDList data, NDList labels) {
        try {
            return super.forward(data, labels);
        } catch (RuntimeException | Error e) {
            CompressedGradientCollector.recordSplitFailure(e);
            throw e;
        }
    }

    /**
     * Updates the parameters from their gradients; in a data-parallel group each gradient is first
     * replaced by its mean over the group's processes.
     */
    @Override
    public void step() {
        ReplicaGroup.StepSynchronization sync;
        synchronized (this) {
            sync = pendingSync;
            pendingSync = null;
            if (sync == null && replica != null) {
                // No collector since the last step: the other replicas still expect the sums.
                List<NDArray> owners = parameterCopies(true);
                sync = replica.beginStep(owners, contributors(owners));
            }
        }
        if (sync != null) {
            sync.finish();
        }
        super.step();
    }

    /**
     * The parameter arrays of every device's copy, in the model's parameter order then device
     * order: those that take gradients, or all of them (running statistics too).
     */
    private List<NDArray> parameterCopies(boolean gradientsOnly) {
        ParameterStore store = TrainerIntrospection.parameterStore(this);
        List<NDArray> arrays = new ArrayList<>();
        for (Pair<String, Parameter> p : getModel().getBlock().getParameters()) {
            Parameter parameter = p.getValue();
            if (!parameter.isInitialized() || (gradientsOnly && !parameter.requiresGradient())) {
                continue;
            }
            for (Device device : uniqueDevices) {
                arrays.add(store.getValue(parameter, device, true));
            }
        }
        return arrays;
    }

    /** Per parameter copy: how many splits of a step run on its device. */
    private int[] contributors(List<NDArray> owners) {
        int[] counts = new int[owners.size()];
        for (int i = 0; i < counts.length; i++) {
            Device d = uniqueDevices[i % uniqueDevices.length];
            for (Device e : devices) {
                if (e.equals(d)) {
                    counts[i]++;
                }
            }
        }
        return counts;
    }

    private java.util.Iterator<NDArray> parameterArrays() {
        List<NDArray> arrays = new ArrayList<>();
        for (Pair<String, Parameter> p : getModel().getBlock().getParameters()) {
            if (p.getValue().isInitialized() && p.getValue().requiresGradient()) {
                arrays.add(p.getValue().getArray());
            }
        }
        return arrays.iterator();
    }

    /**
     * Iterates a dataset like DJL's trainer, also telling the compression state the dataset
     * indices of each batch's samples (used by the adaptive level's per-sample gradient
     * statistics when use-gradient is on).
     *
     * @param dataset the dataset
     * @return the batches
     * @throws IOException if the dataset cannot be read
     * @throws TranslateException if a sample cannot be translated
     */
    @Override
    public Iterable<Batch> iterateDataset(Dataset dataset) throws IOException, TranslateException {
        Iterable<Batch> batches = super.iterateDataset(dataset);
        return () -> {
            Iterator<Batch> it = batches.iterator();
            return new Iterator<Batch>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Batch next() {
                    Batch batch = it.next();
                    compression.setSampleIndices(indicesOf(batch));
                    return batch;
                }
            };
        };
    }

    private static long[] indicesOf(Batch batch) {
        List<?> indices = batch.getIndices();
        if (indices == null) {
            return null;
        }
        long[] out = new long[indices.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = indices.get(i);
            if (!(o instanceof Number)) {
                return null;
            }
            out[i] = ((Number) o).longValue();
        }
        return out;
    }

    /**
     * Returns the compression configuration of this trainer.
     *
     * @return the configuration
     */
    public ActNNConfig getActNNConfig() {
        return compression.getConfig();
    }

    /**
     * Returns the compression state (statistics of the last step, the bit policy).
     *
     * @return the state
     */
    public CompressionState getCompression() {
        return compression;
    }
}
