package ai.actnn.store;

import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.PackedLayout;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.QuantizerBackend;
import ai.actnn.quant.QuantizerBackends;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Saves the activations of one step: decides, per the configuration and the bit policy, whether
 * an activation is kept exact or packed, packs it with the backend of its device, swaps it to
 * host memory at L4/L5, and stores each tensor only once when several layers save the same one.
 * Everything it creates is owned by the step's manager.
 */
public final class ActivationStore {

    private final ActNNConfig config;
    private final BitPolicy policy;
    private final NDManager manager;
    private final long stepKey;
    private final Map<NDArray, List<Cached>> cache = new IdentityHashMap<>();
    private final Map<NDArray, Derivation> derivable = new IdentityHashMap<>();
    private long saves;
    private long storedBytes;
    private long storedElements;
    private double storedBits;

    /**
     * Creates the store of one step.
     *
     * @param config the step's configuration snapshot
     * @param policy the bit policy
     * @param manager the owner of everything saved
     * @param stepKey the key of this step's random streams
     */
    public ActivationStore(ActNNConfig config, BitPolicy policy, NDManager manager, long stepKey) {
        this.config = config;
        this.policy = policy;
        this.manager = manager;
        this.stepKey = stepKey;
    }

    /**
     * Saves an activation for backward.
     *
     * @param x the activation (first axis = samples)
     * @param site where it is saved
     * @return the saved activation (close it when backward is done with it)
     */
    public SavedActivation save(NDArray x, ActivationSite site) {
        Derivation derivation = derivable.get(x);
        if (derivation != null && !derivation.source.isReleased()) {
            return new DerivedActivation(derivation.source.retain(), derivation.recompute);
        }
        return save(x, site, compresses(x, site));
    }

    /**
     * Declares that {@code output} need not be saved by the ops that consume it: its value can
     * be recomputed in backward from {@code source} (an activation this store saved) by {@code
     * recompute}, a cheap element-wise function. Later {@link #save} calls for {@code output}
     * return a recomputed activation that holds no storage of its own. Call it only when the
     * configuration {@linkplain ActNNConfig#isRecompute() recomputes}: otherwise consumers save
     * {@code output} (compressed) as usual.
     *
     * <p>{@code recompute} runs during the consumers' backward, which the tape runs before the
     * producer's (reverse order), so it may use arrays that the producer's recorded op owns.
     *
     * @param output the op's output
     * @param source the op's saved input, as returned by {@link #save} of this store
     * @param recompute from the restored source to the output; returns a new array and leaves
     *     its argument open
     * @throws IllegalArgumentException if {@code source} was not saved by this store
     */
    public void registerRecomputable(
            NDArray output, SavedActivation source, UnaryOperator<NDArray> recompute) {
        if (!(source instanceof SharedActivation)) {
            throw new IllegalArgumentException(
                    "a recomputed activation must derive from an activation saved by this store, got "
                            + source.getClass().getSimpleName());
        }
        derivable.put(output, new Derivation((SharedActivation) source, recompute));
    }

    /**
     * Counts data that an op saved outside the store (1-bit masks, few-bit codes) in this step's
     * statistics, so that {@link #storedBytes()} and {@link #averageBits()} cover everything
     * kept for backward.
     *
     * @param bytes the bytes kept
     * @param elements the elements of the activation they stand for
     */
    public void countExternal(long bytes, long elements) {
        storedBytes += bytes;
        storedElements += elements;
        storedBits += bytes * 8.0;
    }

    /**
     * Returns whether this step recomputes element-wise outputs instead of saving them.
     *
     * @return the configuration's recompute flag
     */
    public boolean recomputes() {
        return config.isRecompute();
    }

    /**
     * Returns whether {@link #save} stores {@code x} compressed at this level (otherwise
     * exactly): ops that have a cheaper exact or few-bit encoding use it to choose.
     *
     * @param x the activation
     * @param site where it would be saved
     * @return whether it would be quantized
     */
    public boolean quantizes(NDArray x, ActivationSite site) {
        return compresses(x, site);
    }

    /**
     * Saves an activation exactly, whatever the level (for tensors whose exact values matter,
     * such as indices).
     *
     * @param x the activation
     * @return the saved activation
     */
    public SavedActivation saveExact(NDArray x) {
        return save(x, null, false);
    }

    private SavedActivation save(NDArray x, ActivationSite site, boolean compress) {
        List<Cached> known = cache.computeIfAbsent(x, k -> new ArrayList<>(1));
        if (!compress) {
            SharedActivation hit = find(known, null);
            if (hit != null) {
                return hit;
            }
            return remember(known, null, new ExactActivation(x, manager, true), x.size());
        }
        QuantizerBackend backend = backendFor(x);
        GroupStats stats = null;
        try {
            if (policy.needsStats(site)) {
                stats = backend.analyze(x, groupSizeFor(x));
            }
            int[] bits = policy.bitsFor(site, stats, samplesOf(x));
            SharedActivation hit = find(known, bits);
            if (hit != null) {
                return hit;
            }
            if (stats == null) {
                stats = backend.analyze(x, groupSizeFor(x));
            }
            return remember(known, bits, pack(x, backend, stats, bits), x.size());
        } finally {
            if (stats != null) {
                stats.close();
            }
        }
    }

    private static SharedActivation find(List<Cached> known, int[] bits) {
        for (Cached c : known) {
            if (Arrays.equals(c.bits, bits) && !c.shared.isReleased()) {
                return c.shared.retain();
            }
        }
        return null;
    }

    private SharedActivation remember(List<Cached> known, int[] bits, SavedActivation saved, long elements) {
        SharedActivation shared = new SharedActivation(saved);
        known.add(new Cached(bits, shared));
        storedBytes += saved.storedBytes();
        storedElements += elements;
        storedBits += saved.bitsPerElement() * elements;
        return shared;
    }

    private SavedActivation pack(NDArray x, QuantizerBackend backend, GroupStats stats, int[] bits) {
        QuantizeSpec spec =
                QuantizeSpec.perSample(
                        bits, groupSizeFor(x), Keys.mix(stepKey, saves++), config.isStochastic());
        PackedTensor packed = backend.quantize(x, stats, spec, manager);
        if (config.isSimulate()) {
            // Simulation keeps the dequantized values: the gradient sees the quantization error,
            // memory is not saved.
            try (PackedTensor p = packed) {
                NDArray restored = backend.dequantize(p, manager);
                try {
                    return new ExactActivation(restored, manager, true);
                } finally {
                    restored.close();
                }
            }
        }
        Device device = x.getDevice();
        if (config.isSwap() && !Device.Type.CPU.equals(device.getDeviceType())) {
            PackedTensor onHost = packed.toDevice(Device.cpu());
            packed.close();
            return new PackedActivation(onHost, backend, device);
        }
        return new PackedActivation(packed, backend, device);
    }

    private boolean compresses(NDArray x, ActivationSite site) {
        if (!config.isCompressActivation()) {
            return false;
        }
        if (site.getKind() == ActivationSite.Kind.BATCH_NORM && !config.isEnableQuantizedBn()) {
            return false;
        }
        DataType type = x.getDataType();
        return type == DataType.FLOAT32 || type == DataType.FLOAT16;
    }

    private int groupSizeFor(NDArray x) {
        long features = PackedLayout.featuresPerSample(x.getShape());
        if (config.isPerGroup()) {
            return GroupSizes.choose(features, config.getGroupSize());
        }
        // One range per sample: a group as large as a sample, rounded up to the packing unit.
        long size = Math.max(32, (features + 31) / 32 * 32);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample of " + features + " features is too large for per-sample ranges");
        }
        return (int) size;
    }

    /**
     * Returns the backend that packs tensors like {@code x} (by device and configuration).
     *
     * @param x a tensor
     * @return the backend
     */
    public QuantizerBackend backendFor(NDArray x) {
        return QuantizerBackends.forDevice(x.getDevice(), config.getBackend());
    }

    private static int samplesOf(NDArray x) {
        return PackedLayout.samples(x.getShape());
    }

    /**
     * Returns the bytes saved so far in this step (each tensor counted once).
     *
     * @return the bytes
     */
    public long storedBytes() {
        return storedBytes;
    }

    /**
     * Returns the average bits per saved element in this step (metadata included), or NaN if
     * nothing was saved.
     *
     * @return the average bits
     */
    public double averageBits() {
        return storedElements == 0 ? Double.NaN : storedBits / storedElements;
    }

    /**
     * Returns the manager owning everything saved in this step.
     *
     * @return the manager
     */
    public NDManager getManager() {
        return manager;
    }

    /**
     * Returns the configuration snapshot of this step.
     *
     * @return the configuration
     */
    public ActNNConfig getConfig() {
        return config;
    }

    /**
     * Returns a fresh key for an op's own random stream (dropout masks).
     *
     * @return the key
     */
    public long nextKey() {
        return Keys.mix(stepKey, saves++);
    }

    /** Forgets the de-duplication cache (the saved activations stay with their users). */
    public void clearCache() {
        cache.clear();
        derivable.clear();
    }

    private static final class Derivation {
        final SharedActivation source;
        final UnaryOperator<NDArray> recompute;

        Derivation(SharedActivation source, UnaryOperator<NDArray> recompute) {
            this.source = source;
            this.recompute = recompute;
        }
    }

    private static final class Cached {
        final int[] bits;
        final SharedActivation shared;

        Cached(int[] bits, SharedActivation shared) {
            this.bits = bits;
            this.shared = shared;
        }
    }
}
