package ai.actnn.store;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.quant.Backend;
import ai.actnn.quant.CodeCodec;
import ai.actnn.quant.CodeTable;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaskedOutput;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.MaxPoolOutput;
import ai.actnn.quant.PackedLayout;
import ai.actnn.quant.PoolCodec;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps everything one step saves for its backward: activations (packed at the level and bits
 * that the configuration and the policy decide, or exact), 1-bit masks, few-bit codes and
 * max-pool offsets; the layer forwards that produce a mask or offsets along with their output
 * (ReLU, dropout, max pooling) run here, fused where the device's codec can. It
 * chooses the backend of each tensor's device and its fallbacks, swaps packed activations to host
 * memory at L4/L5, and stores a tensor only once when several ops save it.
 *
 * <p>Everything saved lives in the store's own manager and is counted by kind when it is saved
 * ({@link #count}; a copy replaced by a wider one is recounted): {@link #storedBytes()} is the
 * engine's count of what the step holds, and {@link #heldBytes()} reads the same figure back from
 * the manager's arrays, so that the two can be checked against each other. At debug level the
 * store logs the breakdown by kind when it closes. Items are closed by the op contexts that saved
 * them; the store's manager is closed with the step's tape.
 */
public final class ActivationStore implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ActivationStore.class);

    private final ActNNConfig config;
    private final BitPolicy policy;
    private final NDManager manager;
    private final NDManager parent;
    private final long stepKey;
    private final Map<NDArray, List<Cached>> cache = new IdentityHashMap<>();
    private final Map<NDArray, Derivation> derivable = new IdentityHashMap<>();
    /** ReLU outputs of this step and their masks, by which a later save may compact them. */
    private final Map<NDArray, SavedMask> reluMasks = new IdentityHashMap<>();
    private long streams;
    private final KeptCount kept = new KeptCount();

    /**
     * Creates the store of one step.
     *
     * @param step the step's configuration, policy and random key
     * @param parent the manager under which the store's own manager is created
     */
    public ActivationStore(CompressionStep step, NDManager parent) {
        this.config = step.config();
        this.policy = step.policy();
        this.stepKey = step.key();
        this.parent = parent;
        this.manager = parent.newSubManager();
        manager.setName("actnn-saved");
    }

    /**
     * Saves an activation for backward, packed when the level compresses this site and tensor,
     * else exactly (integer tensors, L0, uncompressed batch norm).
     *
     * @param x the activation (first axis = samples)
     * @param site where it is saved
     * @return the saved activation (close it once)
     */
    public SavedActivation save(NDArray x, ActivationSite site) {
        Derivation derivation = derivable.get(x);
        if (derivation != null && !derivation.source.isReleased()) {
            return new DerivedActivation(derivation.source.retain(), derivation.recompute);
        }
        return save(x, site, compresses(x, site));
    }

    /**
     * Saves an activation exactly, whatever the level (tensors whose exact values matter, such as
     * indices or normalisation statistics). Keeps a handle to the tensor's storage: the caller
     * may close its own handle.
     *
     * @param x the tensor
     * @return the saved activation (close it once)
     */
    public SavedActivation saveExact(NDArray x) {
        return save(x, null, false);
    }

    /**
     * Computes ReLU and saves its 1-bit mask {@code x > 0}, in one pass where the device's codec
     * fuses them ({@link MaskCodec#relu}).
     *
     * @param x a floating-point tensor
     * @return the output (attached to {@code x}'s manager) and the mask (close it once)
     */
    public SavedOutput<SavedMask> relu(NDArray x) {
        MaskCodec masks = backendFor(x.getDevice()).masks();
        SavedOutput<SavedMask> out = keep(masks.relu(x, manager), masks);
        reluMasks.put(out.output(), out.saved());
        return out;
    }

    /**
     * Saves the 1-bit mask {@code x > 0} and overwrites {@code x} with its ReLU ({@link
     * MaskCodec#reluInPlace}).
     *
     * @param x a floating-point tensor, overwritten
     * @return a new handle to {@code x}'s storage, now the ReLU output (attached to {@code x}'s
     *     manager; the caller hands it on as its output, so that the ops that save it are known
     *     to save a ReLU output), and the mask (close it once)
     */
    public SavedOutput<SavedMask> reluInPlace(NDArray x) {
        MaskCodec masks = backendFor(x.getDevice()).masks();
        SavedMask mask = count(SavedMask.of(masks.reluInPlace(x, manager), masks), x.size());
        NDArray output;
        try {
            output = x.stopGradient();
        } catch (RuntimeException e) {
            mask.close();
            throw e;
        }
        reluMasks.put(output, mask);
        return new SavedOutput<>(output, mask);
    }

    /**
     * Saves the 1-bit mask "x inside the range" (the backward of clipping functions).
     *
     * @param x a floating-point tensor
     * @param range the range
     * @return the mask (close it once)
     */
    public SavedMask saveRangeMask(NDArray x, MaskCodec.Range range) {
        MaskCodec masks = backendFor(x.getDevice()).masks();
        return count(SavedMask.of(masks.packInRange(x, range, manager), masks), x.size());
    }

    /**
     * Returns a dropout keep mask of this step's random streams, kept as its key: every {@link
     * SavedMask#apply} draws the same bits again.
     *
     * @param shape the shape of the masked tensor
     * @param rate the drop probability in [0, 1]
     * @param device the device of the masked tensor
     * @return the mask (close it once)
     */
    public SavedMask saveKeepMask(Shape shape, float rate, Device device) {
        MaskCodec masks = backendFor(device).masks();
        return count(SavedMask.redrawn(shape, rate, nextKey(), masks), 0);
    }

    /**
     * Applies dropout with a keep mask drawn from this step's random streams ({@link
     * MaskCodec#dropout}: one pass where the device's codec fuses it), and keeps the mask as its
     * key: the backward draws the same bits again, so nothing is held in between.
     *
     * @param x a floating-point tensor
     * @param rate the drop probability in [0, 1]
     * @return {@code x * mask * }{@link MaskCodec#dropoutScale}{@code (rate)} (attached to {@code
     *     x}'s manager) and the keep mask (close it once)
     */
    public SavedOutput<SavedMask> dropout(NDArray x, float rate) {
        MaskCodec masks = backendFor(x.getDevice()).masks();
        long key = nextKey();
        MaskedOutput r = masks.dropout(x, rate, key, manager);
        r.mask().close();
        return new SavedOutput<>(r.output(), count(SavedMask.redrawn(x.getShape(), rate, key, masks), 0));
    }

    /** Counts the mask of a fused forward and hands out its output. */
    private SavedOutput<SavedMask> keep(MaskedOutput r, MaskCodec masks) {
        return new SavedOutput<>(r.output(), count(SavedMask.of(r.mask(), masks), r.mask().getShape().size()));
    }

    /**
     * Max pooling over the last two axes that saves one byte per output element, the argmax's
     * offset in its window: with the device's pooling codec, else with PyTorch's own ops.
     *
     * @param x a floating-point tensor, {@code [N, C, H, W]} or {@code [C, H, W]}
     * @param spec the pooling
     * @return the output (attached to {@code x}'s manager) and the offsets (close them once)
     */
    public SavedOutput<SavedPooling> maxPool2d(NDArray x, MaxPool2dSpec spec) {
        PoolCodec codec = backendFor(x.getDevice()).pooling().orElse(TorchPoolCodec.INSTANCE);
        MaxPoolOutput r = codec.maxPool2d(x, spec, manager);
        NDArray offsets = r.offsets();
        return new SavedOutput<>(
                r.output(), count(new SavedPooling(offsets, x.getShape(), spec, codec), offsets.size()));
    }

    /**
     * Saves few-bit codes of the intervals of {@code scale * x} in a table.
     *
     * @param x a floating-point tensor
     * @param table the intervals and the value of each code
     * @param scale the factor applied to x before encoding
     * @return the codes (close them once)
     */
    public SavedCodes saveCodes(NDArray x, CodeTable table, float scale) {
        CodeCodec codec = backendFor(x.getDevice()).codes().orElse(TorchCodeCodec.INSTANCE);
        NDArray codes = codec.packCodes(x, table.boundaries(), scale, table.bits(), manager);
        return count(new SavedCodes(codes, table, codec), x.size());
    }

    /**
     * Declares that {@code output} need not be saved by the ops that consume it: its value can
     * be recomputed in backward from {@code source} (an activation this store saved) by {@code
     * recompute}, a cheap element-wise function. Later {@link #save} calls for {@code output}
     * return a recomputed activation that holds no storage of its own. Only when the
     * configuration {@linkplain ActNNConfig#isRecompute() recomputes}; otherwise consumers save
     * {@code output} (compressed) as usual.
     *
     * <p>{@code recompute} runs during the consumers' backward, which runs before the producer's
     * (reverse order), so it may use arrays that the producer saved.
     *
     * @param output the op's output
     * @param source the op's saved input, as returned by {@link #save} of this store
     * @param recompute from the restored source to the output; returns a new array and leaves
     *     its argument open
     * @throws IllegalArgumentException if {@code source} was not saved by this store
     */
    public void registerRecomputable(NDArray output, SavedActivation source, UnaryOperator<NDArray> recompute) {
        if (!(source instanceof SharedActivation)) {
            throw new IllegalArgumentException(
                    "a recomputed activation must derive from an activation saved by this store, got "
                            + source.getClass().getSimpleName());
        }
        if (config.isRecompute()) {
            derivable.put(output, new Derivation((SharedActivation) source, recompute));
        }
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
     * Returns whether {@link #save} packs {@code x} at this level (otherwise it keeps it exact):
     * ops that have a cheaper exact or few-bit encoding use it to choose.
     *
     * @param x the activation
     * @param site where it would be saved
     * @return whether it would be quantized
     */
    public boolean compresses(NDArray x, ActivationSite site) {
        if (!config.isCompressActivation() || site == null) {
            return false;
        }
        if (site.getKind() == ActivationSite.Kind.BATCH_NORM && !config.isEnableQuantizedBn()) {
            return false;
        }
        DataType type = x.getDataType();
        return type == DataType.FLOAT32 || type == DataType.FLOAT16;
    }

    /**
     * Returns the configured bits of a site's layer group (for few-bit codes).
     *
     * @param site the site
     * @return the bits
     */
    public int configuredBits(ActivationSite site) {
        return config.getBits(site.layerGroupIn(config));
    }

    private SavedActivation save(NDArray x, ActivationSite site, boolean compress) {
        List<Cached> known = cache.computeIfAbsent(x, k -> new ArrayList<>(1));
        if (!compress) {
            SharedActivation hit = findExact(known);
            if (hit != null) {
                return hit;
            }
            return remember(known, null, new ExactActivation(x, manager), x.size());
        }
        Backend backend = backendFor(x.getDevice());
        try (ActivationPacking packing = new ActivationPacking(x, backend, reluMasks.get(x), config, manager)) {
            GroupStats stats = policy.needsStats(site) ? packing.statistics() : null;
            int[] bits = policy.bitsFor(site, stats, PackedLayout.samples(x.getShape()));
            SharedActivation hit = findAtLeast(known, bits);
            if (hit != null) {
                return hit;
            }
            int weaker = packedCopy(known);
            if (weaker >= 0) {
                int[] merged = widest(known.get(weaker).bits, bits);
                return widen(known, weaker, merged, finish(packing.pack(merged, nextKey())));
            }
            return remember(known, bits, finish(packing.pack(bits, nextKey())), x.size());
        }
    }

    private static SharedActivation findExact(List<Cached> known) {
        for (Cached c : known) {
            if (c.bits == null && !c.shared.isReleased()) {
                return c.shared.retain();
            }
        }
        return null;
    }

    /**
     * A live copy that every requested sample's bits can use: the exact copy, or a packed copy
     * with at least as many bits in every sample (more bits only lower the error a policy
     * bounded).
     */
    private static SharedActivation findAtLeast(List<Cached> known, int[] bits) {
        for (Cached c : known) {
            if (!c.shared.isReleased() && (c.bits == null || atLeast(c.bits, bits))) {
                return c.shared.retain();
            }
        }
        return null;
    }

    private static boolean atLeast(int[] have, int[] want) {
        if (have.length != want.length) {
            return false;
        }
        for (int i = 0; i < have.length; i++) {
            if (have[i] < want[i]) {
                return false;
            }
        }
        return true;
    }

    private static int packedCopy(List<Cached> known) {
        for (int i = 0; i < known.size(); i++) {
            Cached c = known.get(i);
            if (c.bits != null && !c.shared.isReleased()) {
                return i;
            }
        }
        return -1;
    }

    private static int[] widest(int[] have, int[] want) {
        if (have.length != want.length) {
            throw new IllegalStateException(
                    "one tensor saved with bits for " + have.length + " and " + want.length + " samples");
        }
        int[] bits = new int[want.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Math.max(have[i], want[i]);
        }
        return bits;
    }

    /**
     * Replaces a packed copy that some sample's bits cannot use by {@code wider}, packed at the
     * widest bits both consumers asked for: sites that save the same tensor with different bits
     * (a ResNet block's input, taken by its first convolution and its projection shortcut) keep
     * one copy instead of two.
     */
    private SharedActivation widen(List<Cached> known, int index, int[] bits, SavedActivation wider) {
        Cached old = known.get(index);
        long before = old.shared.storedBytes();
        old.shared.replaceTarget(wider);
        kept.add(KeptCount.Kind.of(wider), old.shared.storedBytes() - before, 0);
        known.set(index, new Cached(bits, old.shared));
        return old.shared.retain();
    }

    private SharedActivation remember(List<Cached> known, int[] bits, SavedActivation saved, long elements) {
        SharedActivation shared = count(new SharedActivation(saved), elements);
        known.add(new Cached(bits, shared));
        return shared;
    }

    /** The one place where what the step keeps is counted (but for {@link #widen}). */
    private <T extends Saved> T count(T saved, long elements) {
        kept.add(KeptCount.Kind.of(saved), saved.storedBytes(), elements);
        return saved;
    }

    /** What the store keeps of a packed activation: its dequantized values when simulating. */
    private SavedActivation finish(SavedActivation packed) {
        return config.isSimulate() ? simulated(packed) : packed;
    }

    /**
     * Replaces a packed activation by its dequantized values: simulation lets the gradient see
     * the quantization error without saving memory.
     */
    private SavedActivation simulated(SavedActivation packed) {
        try (SavedActivation p = packed;
                NDArray restored = p.restore(manager)) {
            return new ExactActivation(restored, manager);
        }
    }

    private Backend backendFor(Device device) {
        return Backends.forDevice(device, config.getBackend());
    }

    private long nextKey() {
        return Keys.mix(stepKey, streams++);
    }

    /**
     * Returns a new manager for temporaries of the step (under the step's manager, outside the
     * store's own, so they never count as saved).
     *
     * @return the manager; close it when done
     */
    public NDManager newTemporaryManager() {
        return parent.newSubManager();
    }

    /**
     * Returns the bytes saved so far in this step, each tensor counted once, as counted when it
     * was saved.
     *
     * @return the bytes
     */
    public long storedBytes() {
        return kept.bytes();
    }

    /**
     * Returns the bytes of the arrays that the store's manager holds right now, read from DJL's
     * manager rather than from the store's own count: equal to {@link #storedBytes()} after a
     * forward, when nothing was freed yet.
     *
     * @return the bytes
     */
    public long heldBytes() {
        long bytes = 0;
        for (NDArray a : manager.getManagedArrays()) {
            if (!a.isReleased()) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    /**
     * Returns the average bits per saved element in this step (metadata included), or NaN if
     * nothing was saved.
     *
     * @return the average bits
     */
    public double averageBits() {
        return kept.averageBits();
    }

    /** Forgets the de-duplication cache (the saved items stay with the contexts that hold them). */
    public void clearCache() {
        cache.clear();
        derivable.clear();
    }

    /** Frees everything the step saved, also what no context has closed yet. */
    @Override
    public void close() {
        clearCache();
        manager.close();
        if (kept.elements() > 0 && logger.isDebugEnabled()) {
            logger.debug("step kept {}", kept.describe());
        }
    }

    private record Derivation(SharedActivation source, UnaryOperator<NDArray> recompute) {}

    private record Cached(int[] bits, SharedActivation shared) {}
}
