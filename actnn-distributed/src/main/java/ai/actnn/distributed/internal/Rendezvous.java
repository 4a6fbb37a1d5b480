package ai.actnn.distributed.internal;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.gloo.Device;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's rendezvous: c10d's {@code TCPStore} (served by rank 0 at the master address, as
 * {@code init_method="env://"} does), a check-in through it that validates the ranks, and Gloo's
 * transport device. Process groups are created on prefixes of the store.
 *
 * <p>Check-in: rank 0 publishes its world size; every rank claims its rank (a second claim is an
 * error), compares the world size, and waits until all ranks have checked in. A disagreement is
 * published under an abort key, so that every rank fails with the same message instead of waiting
 * for the timeout. The whole connection runs under a Java deadline as well: c10d's client retries
 * can overshoot its own timeout.
 */
public final class Rendezvous implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Rendezvous.class);
    private static final long POLL_MILLIS = 10;

    private final int rank;
    private final int size;
    private final long tcpStore;
    private final Device device;
    private final String deviceName;

    private Rendezvous(int rank, int size, long tcpStore, Device device) {
        this.rank = rank;
        this.size = size;
        this.tcpStore = tcpStore;
        this.device = device;
        this.deviceName = device.str().getString();
    }

    /**
     * Connects to the job's store and checks in (blocks until every rank did).
     *
     * @param host the master address
     * @param port the master port
     * @param rank this rank
     * @param size the world size
     * @param timeoutMs how long to wait for the other ranks
     * @param ifname the network interface for Gloo, or null
     * @return the rendezvous
     * @throws IllegalStateException if the ranks disagree or do not all arrive in time
     */
    public static Rendezvous connect(String host, int port, int rank, int size, long timeoutMs, String ifname) {
        FutureTask<Rendezvous> task = new FutureTask<>(() -> connectNow(host, port, rank, size, timeoutMs, ifname));
        Thread t = new Thread(task, "actnn-rendezvous");
        // A native call stuck in a connect retry must not keep the JVM alive after the deadline.
        t.setDaemon(true);
        t.start();
        try {
            return task.get(timeoutMs + 5000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("rank " + rank + " of " + size + ": the rendezvous at " + host + ":" + port
                    + " did not complete within " + (timeoutMs + 5000) + " ms (is rank 0 running, and every rank"
                    + " started with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the rendezvous", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("rank " + rank + ": the rendezvous failed: " + c, c);
        }
    }

    private static Rendezvous connectNow(String host, int port, int rank, int size, long timeoutMs, String ifname) {
        long store;
        try {
            store = C10d.tcpStore(host, port, size, rank == 0, timeoutMs, true);
        } catch (NativeException e) {
            throw new IllegalStateException("rank " + rank + " of " + size + ": " + e.getMessage()
                    + (rank == 0 ? " (is port " + port + " in use?)" : " (did rank 0 start at " + host + ":" + port + "?)"), e);
        }
        try {
            checkIn(store, rank, size, timeoutMs);
            Device device = device(host, ifname);
            return new Rendezvous(rank, size, store, device);
        } catch (RuntimeException e) {
            C10d.release(store);
            throw e;
        }
    }

    private static void checkIn(long tcpStore, int rank, int size, long timeoutMs) {
        long prefixed = C10d.prefixStore("actnn_init/", tcpStore);
        try (PointerScope scope = new PointerScope()) {
            Store store = new Store(new C10d.Raw(prefixed));
            if (rank == 0) {
                store.set("world_size", Integer.toString(size));
            }
            String theirs = store.get_to_str("world_size");
            store.add("checked_in", 1);
            if (!Integer.toString(size).equals(theirs)) {
                abort(store, rank, "rank " + rank + " was started with WORLD_SIZE=" + size + " but rank 0 with WORLD_SIZE="
                        + theirs);
            }
            // Claimed before arriving: a second claim keeps the count of arrivals short of the
            // world size, so no rank can go on with a duplicate.
            long claims = store.add("rank_" + rank, 1);
            if (claims > 1) {
                abort(store, rank, "RANK=" + rank + " was given to " + claims + " processes: every process needs its own"
                        + " rank from 0 to " + (size - 1));
            }
            store.add("arrived", 1);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            StringVector abortKey = new StringVector("abort");
            while (true) {
                if (store.check(abortKey)) {
                    String message = store.get_to_str("abort");
                    aborted(store, rank);
                    throw new IllegalStateException("the ranks of this job disagree: " + message);
                }
                long arrived = store.add("arrived", 0);
                if (arrived == size) {
                    break;
                }
                if (arrived > size) {
                    abort(store, rank, arrived + " processes joined a job of WORLD_SIZE=" + size);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("rank " + rank + ": only " + arrived + " of " + size + " ranks arrived"
                            + " within " + timeoutMs + " ms");
                }
                pause();
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("rank " + rank + " of " + size + ": the check-in failed: " + e.getMessage()
                    + (rank == 0 ? "" : " (rank 0, which serves the store, is gone: see its message)"), e);
        } finally {
            C10d.release(prefixed);
        }
    }

    /** Publishes why the job cannot start, so that every rank fails with it, and fails. */
    private static void abort(Store store, int rank, String message) {
        try {
            store.compareSet("abort", "", message);
        } catch (RuntimeException ignored) {
            // The store is gone too: the message below still says what is wrong.
        }
        aborted(store, rank);
        throw new IllegalStateException("the ranks of this job disagree: " + message);
    }

    /**
     * Counts this process among those that saw the abort; rank 0, whose process serves the
     * store, waits (a little) until all that checked in did, so that they read the message
     * rather than a closed connection.
     */
    private static void aborted(Store store, int rank) {
        try {
            if (rank != 0) {
                store.add("abort_seen", 1);
                return;
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < until && store.add("abort_seen", 0) < store.add("checked_in", 0) - 1) {
                pause();
            }
        } catch (RuntimeException ignored) {
            // best effort: the abort itself is reported by the caller
        }
    }

    /** Polls the store (a network round trip each): c10d's store has no wait on a count. */
    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the other ranks", e);
        }
    }

    /**
     * Gloo's transport device: the interface named by {@code GLOO_SOCKET_IFNAME}; the loopback
     * address for a job on this machine; else the address of this machine's interface that routes
     * to the master (found without sending anything), which also works where the host name
     * resolves to a loopback address.
     */
    private static Device device(String master, String ifname) {
        if (ifname != null) {
            return ProcessGroupGloo.createDeviceForInterface(ifname);
        }
        InetAddress target;
        try {
            target = InetAddress.getByName(master);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("MASTER_ADDR=" + master + " cannot be resolved", e);
        }
        if (target.isLoopbackAddress()) {
            return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(target, 9));
            String local = probe.getLocalAddress().getHostAddress();
            logger.debug("Gloo binds to {}, the address that routes to {}", local, master);
            return ProcessGroupGloo.createDeviceForHostname(local);
        } catch (IOException e) {
            logger.debug("no route to {} found ({}): Gloo's default device", master, e.toString());
            return ProcessGroupGloo.createDefaultDevice();
        }
    }

    /** @return Gloo's transport device, as Gloo names it */
    public String deviceName() {
        return deviceName;
    }

    /**
     * Connects a process group on a prefix of the store (blocks until every rank did).
     *
     * @param name the group's name (the prefix), unique in the job
     * @param opTimeoutMs the timeout of each collective
     * @return the group
     */
    public GlooGroup newGroup(String name, long opTimeoutMs) {
        return new GlooGroup(name, tcpStore, rank, size, device, opTimeoutMs);
    }

    /** Drops this process's reference to the store (rank 0's server stops with the last one). */
    @Override
    public void close() {
        C10d.release(tcpStore);
    }
}
