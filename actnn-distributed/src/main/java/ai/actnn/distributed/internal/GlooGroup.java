package ai.actnn.distributed.internal;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.gloo.Device;

/**
 * One c10d {@code ProcessGroupGloo} on a prefix of the job's rendezvous store: what {@code
 * torch.distributed} builds for the "gloo" backend. Collectives are asynchronous ({@link
 * #allReduceSum} returns at once, {@link Pending#await} waits); every rank must start the same
 * collectives in the same order.
 */
public final class GlooGroup implements AutoCloseable {

    private final String name;
    private final int rank;
    private final int size;
    private final long opTimeoutMs;
    private long store;
    private long group;

    /**
     * Connects a group (blocks until every rank has connected).
     *
     * @param name the group's name (the store prefix), for messages
     * @param tcpStore the job's store
     * @param rank this rank
     * @param size the number of ranks
     * @param device Gloo's transport device
     * @param opTimeoutMs the timeout of every collective
     */
    public GlooGroup(String name, long tcpStore, int rank, int size, Device device, long opTimeoutMs) {
        this.name = name;
        this.rank = rank;
        this.size = size;
        this.opTimeoutMs = opTimeoutMs;
        long prefixed = C10d.prefixStore(name + "/", tcpStore);
        long options;
        try {
            options = C10d.glooOptions(opTimeoutMs, device);
        } catch (RuntimeException e) {
            C10d.release(prefixed);
            throw e;
        }
        try {
            this.group = C10d.processGroupGloo(prefixed, rank, size, options);
        } catch (RuntimeException e) {
            C10d.release(prefixed);
            throw e;
        } finally {
            // The group (if it exists) holds its own references to the store and the options.
            C10d.release(options);
        }
        this.store = prefixed;
    }

    /**
     * Starts an in-place sum of a tensor over all ranks.
     *
     * @param tensor the tensor (CPU, contiguous); it must stay alive and untouched until {@link
     *     Pending#await} returns
     * @param what what is reduced, for messages
     * @return the pending collective
     */
    public synchronized Pending allReduceSum(Tensor tensor, String what) {
        checkOpen();
        try (PointerScope scope = new PointerScope()) {
            TensorVector tensors = new TensorVector(tensor);
            AllreduceOptions options = new AllreduceOptions();
            options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
            options.timeout(new Milliseconds(opTimeoutMs));
            long work = C10d.enqueue(message(what), C10d.PG_GLOO_ALLREDUCE, group, tensors.address(), options.address());
            return new Pending(work, message(what));
        }
    }

    /** Waits until every rank reached the barrier. */
    public void barrier() {
        Pending pending;
        synchronized (this) {
            checkOpen();
            try (PointerScope scope = new PointerScope()) {
                BarrierOptions options = new BarrierOptions();
                options.timeout(new Milliseconds(opTimeoutMs));
                pending = new Pending(C10d.enqueue(message("barrier"), C10d.PG_GLOO_BARRIER, group, options.address()),
                        message("barrier"));
            }
        }
        pending.await();
    }

    private String message(String what) {
        return name + " (rank " + rank + " of " + size + "): " + what;
    }

    private void checkOpen() {
        if (group == 0) {
            throw new IllegalStateException("the process group " + name + " is closed");
        }
    }

    /** Closes the connections, joins Gloo's threads and frees the group. */
    @Override
    public synchronized void close() {
        if (group != 0) {
            long g = group;
            group = 0;
            try {
                C10d.destroyProcessGroup(g);
            } finally {
                C10d.release(store);
                store = 0;
            }
        }
    }

    /** A collective in flight. */
    public final class Pending {
        private long work;
        private final String what;

        Pending(long work, String what) {
            this.work = work;
            this.what = what;
        }

        /**
         * Waits for the collective (at most the group's timeout, plus a second so that Gloo's own
         * timeout, which names the peer, fires first) and frees it.
         *
         * @throws NativeException if it failed: a peer is gone or timed out; the group is then
         *     unusable
         */
        public void await() {
            if (work == 0) {
                return;
            }
            long w = work;
            work = 0;
            try {
                C10d.waitWork(what, w, opTimeoutMs + 1000);
            } finally {
                C10d.release(w);
            }
        }
    }
}
