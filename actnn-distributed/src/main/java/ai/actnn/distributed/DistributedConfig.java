package ai.actnn.distributed;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how a process joins a data-parallel job: the torchrun rendezvous ({@code
 * MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}) and
 * ActNN's timeouts and gradient buckets. Immutable; {@link #fromEnvironment()} reads what {@code
 * bin/actnn launch} (or torchrun) sets.
 *
 * <p>Environment: the torchrun variables above; {@code GLOO_SOCKET_IFNAME} (the network interface
 * Gloo uses, as in PyTorch); {@code ACTNN_DIST_INIT_TIMEOUT} and {@code ACTNN_DIST_TIMEOUT}
 * (seconds: how long ranks wait for each other to start, and for one collective);
 * {@code ACTNN_DIST_BUCKET_MB} (gradient bucket size); {@code ACTNN_DIST_OVERLAP} (0 turns off
 * sending buckets during the backward).
 */
public final class DistributedConfig {

    /** Default rendezvous timeout: 5 minutes (JVMs and natives start slowly on loaded machines). */
    public static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofMinutes(5);

    /** Default timeout of one collective: 5 minutes (a peer that dies is noticed at once). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    /** Default gradient bucket size: 25 MB, PyTorch DDP's. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final String masterAddr;
    private final int masterPort;
    private final int rank;
    private final int worldSize;
    private final int localRank;
    private final Duration initTimeout;
    private final Duration timeout;
    private final long bucketBytes;
    private final boolean overlap;
    private final String socketInterface;

    private DistributedConfig(Builder b) {
        masterAddr = b.masterAddr;
        masterPort = b.masterPort;
        rank = b.rank;
        worldSize = b.worldSize;
        localRank = b.localRank;
        initTimeout = b.initTimeout;
        timeout = b.timeout;
        bucketBytes = b.bucketBytes;
        overlap = b.overlap;
        socketInterface = b.socketInterface;
    }

    /**
     * Returns a builder for a job of one process at 127.0.0.1:29500.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns whether the environment describes a job of several processes ({@code WORLD_SIZE}
     * above 1).
     *
     * @return whether distributed training was asked for
     * @throws IllegalArgumentException if {@code WORLD_SIZE} is not a number
     */
    public static boolean isRequested() {
        String world = System.getenv("WORLD_SIZE");
        return world != null && !world.isBlank() && parseInt("WORLD_SIZE", world) > 1;
    }

    /**
     * Reads the configuration from the environment (see the class description).
     *
     * @return the configuration
     * @throws IllegalArgumentException naming the variable and its value, if one is missing or
     *     invalid, or the rank is not below the world size
     */
    public static DistributedConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Reads the configuration from the given environment (see the class description).
     *
     * @param env the environment variables
     * @return the configuration
     * @throws IllegalArgumentException naming the variable and its value, if one is missing or
     *     invalid, or the rank is not below the world size
     */
    public static DistributedConfig fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        b.optMaster(required(env, "MASTER_ADDR"), parseInt("MASTER_PORT", required(env, "MASTER_PORT")));
        int world = parseInt("WORLD_SIZE", required(env, "WORLD_SIZE"));
        int rank = parseInt("RANK", required(env, "RANK"));
        String local = env.get("LOCAL_RANK");
        b.setRank(rank, world, local == null || local.isBlank() ? rank : parseInt("LOCAL_RANK", local));
        String init = env.get("ACTNN_DIST_INIT_TIMEOUT");
        if (init != null && !init.isBlank()) {
            b.optInitTimeout(Duration.ofSeconds(parseInt("ACTNN_DIST_INIT_TIMEOUT", init)));
        }
        String timeout = env.get("ACTNN_DIST_TIMEOUT");
        if (timeout != null && !timeout.isBlank()) {
            b.optTimeout(Duration.ofSeconds(parseInt("ACTNN_DIST_TIMEOUT", timeout)));
        }
        String bucket = env.get("ACTNN_DIST_BUCKET_MB");
        if (bucket != null && !bucket.isBlank()) {
            b.optBucketBytes((long) parseInt("ACTNN_DIST_BUCKET_MB", bucket) << 20);
        }
        String overlap = env.get("ACTNN_DIST_OVERLAP");
        if (overlap != null && !overlap.isBlank()) {
            b.optOverlap(!"0".equals(overlap.trim()) && !"false".equalsIgnoreCase(overlap.trim()));
        }
        String ifname = env.get("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            b.optSocketInterface(ifname.trim());
        }
        return b.build();
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("the environment variable " + name + " is not set: distributed training"
                    + " needs MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE (bin/actnn launch sets them)");
        }
        return v.trim();
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not an integer", e);
        }
    }

    /** @return the rendezvous host (rank 0's address) */
    public String getMasterAddr() {
        return masterAddr;
    }

    /** @return the rendezvous port on the master */
    public int getMasterPort() {
        return masterPort;
    }

    /** @return this process's rank, from 0 */
    public int getRank() {
        return rank;
    }

    /** @return the number of processes */
    public int getWorldSize() {
        return worldSize;
    }

    /** @return this process's rank on its machine */
    public int getLocalRank() {
        return localRank;
    }

    /** @return how long ranks wait for each other to start */
    public Duration getInitTimeout() {
        return initTimeout;
    }

    /** @return how long one collective may take before every rank fails */
    public Duration getTimeout() {
        return timeout;
    }

    /** @return the size of a gradient bucket in bytes */
    public long getBucketBytes() {
        return bucketBytes;
    }

    /** @return whether buckets are sent while the compressed backward goes on */
    public boolean isOverlap() {
        return overlap;
    }

    /** @return the network interface for Gloo, or null to choose by the master's address */
    public String getSocketInterface() {
        return socketInterface;
    }

    @Override
    public String toString() {
        return "DistributedConfig{rank=" + rank + "/" + worldSize + ", localRank=" + localRank + ", master=" + masterAddr
                + ":" + masterPort + ", initTimeout=" + initTimeout + ", timeout=" + timeout + ", bucketBytes="
                + bucketBytes + ", overlap=" + overlap + (socketInterface == null ? "" : ", ifname=" + socketInterface)
                + '}';
    }

    /** Builds a {@link DistributedConfig}. */
    public static final class Builder {
        private String masterAddr = "127.0.0.1";
        private int masterPort = 29500;
        private int rank;
        private int worldSize = 1;
        private int localRank;
        private Duration initTimeout = DEFAULT_INIT_TIMEOUT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private long bucketBytes = DEFAULT_BUCKET_BYTES;
        private boolean overlap = true;
        private String socketInterface;

        Builder() {}

        /**
         * Sets the rendezvous address: rank 0 listens there, every rank connects.
         *
         * @param address host name or IP address of rank 0's machine
         * @param port a TCP port from 1 to 65535
         * @return this builder
         * @throws IllegalArgumentException for an empty address or a port out of range
         */
        public Builder optMaster(String address, int port) {
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("MASTER_ADDR must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("MASTER_PORT=" + port + " is invalid: allowed are 1 to 65535");
            }
            masterAddr = address.trim();
            masterPort = port;
            return this;
        }

        /**
         * Sets this process's place in the job.
         *
         * @param rank from 0 to {@code worldSize - 1}
         * @param worldSize the number of processes, at least 1
         * @param localRank the rank on this machine, at least 0
         * @return this builder
         * @throws IllegalArgumentException naming the values if they do not fit
         */
        public Builder setRank(int rank, int worldSize, int localRank) {
            if (worldSize < 1) {
                throw new IllegalArgumentException("WORLD_SIZE=" + worldSize + " is invalid: at least 1 process");
            }
            if (rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("RANK=" + rank + " does not fit WORLD_SIZE=" + worldSize
                        + ": ranks run from 0 to " + (worldSize - 1));
            }
            if (localRank < 0 || localRank > rank) {
                throw new IllegalArgumentException("LOCAL_RANK=" + localRank + " does not fit RANK=" + rank
                        + ": a local rank runs from 0 to the rank");
            }
            this.rank = rank;
            this.worldSize = worldSize;
            this.localRank = localRank;
            return this;
        }

        /**
         * Sets how long ranks wait for each other to start.
         *
         * @param value positive
         * @return this builder
         */
        public Builder optInitTimeout(Duration value) {
            initTimeout = positive("init timeout", value);
            return this;
        }

        /**
         * Sets how long one collective may take: a frozen peer ends every rank after this long
         * (a peer that dies is noticed at once).
         *
         * @param value positive
         * @return this builder
         */
        public Builder optTimeout(Duration value) {
            timeout = positive("timeout", value);
            return this;
        }

        /**
         * Sets the gradient bucket size.
         *
         * @param bytes at least 4
         * @return this builder
         */
        public Builder optBucketBytes(long bytes) {
            if (bytes < 4) {
                throw new IllegalArgumentException("bucket size " + bytes + " bytes is invalid: at least one float (4 bytes)");
            }
            bucketBytes = bytes;
            return this;
        }

        /**
         * Sets whether gradient buckets are sent while the compressed backward goes on.
         *
         * @param value the overlap flag
         * @return this builder
         */
        public Builder optOverlap(boolean value) {
            overlap = value;
            return this;
        }

        /**
         * Sets the network interface Gloo uses ({@code GLOO_SOCKET_IFNAME}).
         *
         * @param name the interface, e.g. {@code eth0}, or null to choose by the master's address
         * @return this builder
         */
        public Builder optSocketInterface(String name) {
            socketInterface = name;
            return this;
        }

        private static Duration positive(String what, Duration value) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " " + value + " is invalid: it must be positive");
            }
            return value;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration
         */
        public DistributedConfig build() {
            return new DistributedConfig(this);
        }
    }
}
