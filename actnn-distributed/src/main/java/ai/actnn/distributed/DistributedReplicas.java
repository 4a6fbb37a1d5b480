package ai.actnn.distributed;

import ai.actnn.autograd.BackwardObserver;
import ai.actnn.distributed.internal.GlooGroup;
import ai.actnn.distributed.internal.TensorViews;
import ai.actnn.training.ReplicaGroup;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of an {@link ai.actnn.training.ActNNTrainer} in the processes of a {@link
 * ProcessGroup}: gradient averaging in buckets, overlapped with the compressed backward, and
 * batch statistics for {@code QSyncBatchNorm}.
 *
 * <p><b>Buckets</b> (as PyTorch DDP): the gradients are laid out in float32 buckets in reverse
 * parameter order (roughly the order in which the backward finishes them), the first bucket
 * small (1 MB) so that sending starts early, the others up to the configured size (25 MB). A
 * bucket is copied in and its sum over the processes started as soon as every tape of the step
 * has reported all its parameters {@linkplain BackwardObserver#parametersDone done}, while the
 * backward goes on; buckets start strictly in order, so that every process starts the same
 * collectives in the same order whatever its threads' timing. {@link
 * StepSynchronization#finish()} (the trainer's {@code step()}) starts the rest, waits, divides
 * by the number of processes and copies the means back into the gradients.
 *
 * <p>What the tapes cannot see: a gradient that ordinary autograd ops upstream of a Q-layer add
 * to a parameter, or a second backward of a tape before the optimizer step (gradient
 * accumulation). Either is noticed (the tape reports handing a gradient to autograd; a parameter
 * is reported done more often than it has contributors), the step then sums every bucket again
 * from the final gradients, and overlap stays off from then on. Both conditions depend on the
 * model and the loop, not on timing, so every process decides alike.
 *
 * <p><b>Statistics</b> go through a second process group, so that they never interleave with the
 * gradient buckets of the main group.
 */
public final class DistributedReplicas implements ReplicaGroup {

    private static final Logger logger = LoggerFactory.getLogger(DistributedReplicas.class);
    private static final long FIRST_BUCKET_BYTES = 1L << 20;

    private final ProcessGroup group;
    private final GlooGroup gradients;
    private final GlooGroup statistics;
    private final long bucketBytes;
    private boolean overlap;
    private Layout layout;
    private long steps;
    private long earlyBuckets;
    private long totalBuckets;

    private DistributedReplicas(ProcessGroup group) {
        this.group = group;
        this.gradients = group.mainGroup();
        this.statistics = group.newSubgroup("actnn_statistics");
        this.bucketBytes = group.getConfig().getBucketBytes();
        this.overlap = group.getConfig().isOverlap();
    }

    /**
     * Creates the replica group of a trainer; every process must call it at the same point (it
     * connects a process group for batch statistics).
     *
     * @param group the processes
     * @return the replica group
     */
    public static DistributedReplicas create(ProcessGroup group) {
        if (group == null) {
            throw new IllegalArgumentException("the process group must not be null");
        }
        DistributedReplicas replicas = new DistributedReplicas(group);
        group.closeWith(replicas);
        return replicas;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.worldSize();
    }

    /**
     * Returns how many buckets were sent during a backward (not at the optimizer step), out of
     * all buckets sent so far: how much the overlap worked.
     *
     * @return {early, total}
     */
    public synchronized long[] bucketCounts() {
        return new long[] {earlyBuckets, totalBuckets};
    }

    @Override
    public void broadcastFromRank0(List<NDArray> arrays) {
        long start = System.nanoTime();
        for (NDArray a : arrays) {
            group.broadcastFromRank0(a);
        }
        logger.debug("rank {}: {} arrays from rank 0 in {} ms", rank(), arrays.size(), (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public synchronized StepSynchronization beginStep(List<NDArray> gradientOwners, int[] contributors) {
        if (layout == null || !layout.matches(gradientOwners)) {
            if (layout != null) {
                layout.close();
            }
            layout = new Layout(gradientOwners, bucketBytes);
            logger.debug("rank {}: {} gradients in {} buckets", rank(), gradientOwners.size(), layout.buckets.size());
        }
        return new Step(layout, contributors.clone(), overlap);
    }

    @Override
    public double[] allReduceStatistics(double[] values) {
        if (worldSize() == 1) {
            return values.clone();
        }
        try (PointerScope scope = new PointerScope();
                DoublePointer buffer = new DoublePointer(values)) {
            Tensor t = torch.from_blob(buffer, new long[] {values.length}, new TensorOptions(torch.ScalarType.Double));
            statistics.allReduceSum(t, "sum of " + values.length + " batch statistics").await();
            double[] out = new double[values.length];
            buffer.get(out);
            return out;
        }
    }

    /** Frees the buckets (the process groups are the {@link ProcessGroup}'s). */
    @Override
    public synchronized void close() {
        if (layout != null) {
            layout.close();
            layout = null;
        }
    }

    private synchronized void stepEnded(boolean structuralRedo, int early, int total) {
        steps++;
        earlyBuckets += early;
        totalBuckets += total;
        if (structuralRedo && overlap) {
            overlap = false;
            logger.info("rank {}: gradients reach parameters outside the compressed backward (ordinary autograd ops"
                    + " upstream of Q-layers, or several backwards per step): buckets are sent at the optimizer step"
                    + " from now on", rank());
        }
    }

    /** Where each gradient lives in the buckets. */
    private static final class Layout implements AutoCloseable {
        final List<NDArray> owners;
        final Map<NDArray, Integer> index = new IdentityHashMap<>();
        final List<Bucket> buckets = new ArrayList<>();
        final int[] bucketOf;

        Layout(List<NDArray> owners, long bucketBytes) {
            this.owners = new ArrayList<>(owners);
            this.bucketOf = new int[owners.size()];
            Bucket current = null;
            long cap = Math.min(FIRST_BUCKET_BYTES, bucketBytes);
            for (int i = owners.size() - 1; i >= 0; i--) {
                NDArray a = owners.get(i);
                if (a.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("distributed training averages float32 gradients; parameter array "
                            + i + " is " + a.getDataType());
                }
                index.put(a, i);
                long bytes = a.size() * 4L;
                if (current == null || (current.elements > 0 && (current.elements * 4L + bytes) > cap)) {
                    if (current != null) {
                        cap = bucketBytes;
                    }
                    current = new Bucket(buckets.size());
                    buckets.add(current);
                }
                current.add(i, a.size());
                bucketOf[i] = current.id;
            }
            for (Bucket b : buckets) {
                b.allocate();
            }
        }

        boolean matches(List<NDArray> other) {
            if (other.size() != owners.size()) {
                return false;
            }
            for (int i = 0; i < owners.size(); i++) {
                if (other.get(i) != owners.get(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            for (Bucket b : buckets) {
                b.close();
            }
        }
    }

    /** A flat float32 tensor holding the gradients of some parameters. */
    private static final class Bucket implements AutoCloseable {
        final int id;
        final List<Integer> members = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();
        long elements;
        Tensor flat;

        Bucket(int id) {
            this.id = id;
        }

        void add(int owner, long size) {
            members.add(owner);
            offsets.add(elements);
            elements += size;
        }

        void allocate() {
            // Owned by this bucket (outside any pointer scope) until close.
            flat = torch.empty(elements);
        }

        /** Copies the members' gradients in (zeros for a parameter without a gradient). */
        void copyIn(List<NDArray> owners) {
            try (PointerScope scope = new PointerScope()) {
                for (int k = 0; k < members.size(); k++) {
                    NDArray owner = owners.get(members.get(k));
                    Tensor slice = flat.narrow(0, offsets.get(k), owner.size());
                    Tensor grad = TensorViews.of(owner).grad();
                    if (grad.defined()) {
                        slice.copy_(grad.reshape(-1));
                    } else {
                        slice.zero_();
                    }
                }
            }
        }

        /** Divides by the number of processes and copies the means back into the gradients. */
        void copyOut(List<NDArray> owners, int worldSize) {
            try (PointerScope scope = new PointerScope()) {
                if (worldSize > 1) {
                    flat.mul_(new Scalar(1.0 / worldSize));
                }
                for (int k = 0; k < members.size(); k++) {
                    NDArray owner = owners.get(members.get(k));
                    Tensor slice = flat.narrow(0, offsets.get(k), owner.size()).view(owner.getShape().getShape());
                    Tensor grad = TensorViews.of(owner).mutable_grad();
                    if (grad.defined()) {
                        grad.copy_(slice);
                    } else {
                        // No gradient reached this parameter here, but others may have.
                        grad.put(slice.clone());
                    }
                }
            }
        }

        @Override
        public void close() {
            if (flat != null) {
                flat.close();
                flat = null;
            }
        }
    }

    /** The synchronisation of one optimizer step. */
    private final class Step implements StepSynchronization {
        private final Layout layout;
        private final int[] contributors;
        private final int[] reported;
        private final int[] missing;
        private final GlooGroup.Pending[] pending;
        private final boolean overlapThisStep;
        private int nextBucket;
        private int early;
        private boolean structural;
        private boolean finished;

        Step(Layout layout, int[] contributors, boolean overlap) {
            if (contributors.length != layout.owners.size()) {
                throw new IllegalArgumentException(contributors.length + " contributor counts for "
                        + layout.owners.size() + " gradients");
            }
            this.layout = layout;
            this.contributors = contributors;
            this.reported = new int[contributors.length];
            this.missing = new int[layout.buckets.size()];
            for (Bucket b : layout.buckets) {
                missing[b.id] = b.members.size();
            }
            this.pending = new GlooGroup.Pending[layout.buckets.size()];
            this.overlapThisStep = overlap;
        }

        @Override
        public BackwardObserver newObserver() {
            return new BackwardObserver() {
                @Override
                public void parametersDone(List<NDArray> parameters) {
                    done(parameters);
                }

                @Override
                public void gradientIntoAutograd() {
                    synchronized (Step.this) {
                        structural = true;
                    }
                }
            };
        }

        private synchronized void done(List<NDArray> parameters) {
            if (finished) {
                return;
            }
            for (NDArray p : parameters) {
                Integer i = layout.index.get(p);
                if (i == null) {
                    continue; // not a parameter of this model's store (a frozen or foreign array)
                }
                reported[i]++;
                if (reported[i] == contributors[i]) {
                    missing[layout.bucketOf[i]]--;
                } else if (reported[i] > contributors[i]) {
                    structural = true;
                }
            }
            if (overlapThisStep && !structural) {
                while (nextBucket < pending.length && missing[nextBucket] == 0) {
                    launch(nextBucket++);
                    early++;
                }
            }
        }

        private void launch(int b) {
            Bucket bucket = layout.buckets.get(b);
            bucket.copyIn(layout.owners);
            pending[b] = gradients.allReduceSum(bucket.flat, "gradient bucket " + b + " (" + bucket.elements + " floats)");
        }

        @Override
        public synchronized void finish() {
            if (finished) {
                throw new IllegalStateException("the gradients of this step were already averaged");
            }
            finished = true;
            while (nextBucket < pending.length) {
                launch(nextBucket++);
            }
            for (GlooGroup.Pending p : pending) {
                p.await();
            }
            // Decided alike on every process: the flags follow the model and the loop.
            boolean redo = structural && overlapThisStep;
            if (redo) {
                for (int b = 0; b < pending.length; b++) {
                    launch(b);
                }
                for (GlooGroup.Pending p : pending) {
                    p.await();
                }
            }
            for (Bucket bucket : layout.buckets) {
                bucket.copyOut(layout.owners, worldSize());
            }
            stepEnded(structural, early, pending.length);
        }
    }
}
