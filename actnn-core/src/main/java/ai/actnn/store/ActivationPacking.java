package ai.actnn.store;

import ai.actnn.config.ActNNConfig;
import ai.actnn.quant.Backend;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskedCompaction;
import ai.actnn.quant.PackedLayout;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.Quantizer;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One activation about to be packed: whole, or, for a ReLU output on a backend that compacts,
 * as its positive elements only ({@link CompactedActivation}). It gives the policy statistics
 * that bound the error of what it will pack (for compacted rows, {@link
 * MaskedCompaction#boundingStats} over the activation's own groups, so that a policy's bound
 * holds for the copy actually kept), and packs at the bits the policy chose. Work is done only
 * when asked for: a save that an existing copy serves compacts nothing. Closing it frees the
 * compacted rows and the statistics.
 */
final class ActivationPacking implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ActivationPacking.class);

    /**
     * The widest compacted row worth keeping, as a share of a sample's features: the saving is
     * the share of zeros, and a compacted row costs a pass each way.
     */
    private static final double COMPACT_AT_MOST = 0.875;

    private final NDArray x;
    private final Quantizer quantizer;
    private final MaskedCompaction compaction;
    private final SavedMask mask;
    private final ActNNConfig config;
    private final NDManager manager;
    private boolean tried;
    private NDArray rows;
    private GroupStats stats;
    private GroupStats bounding;

    /**
     * Prepares the packing of an activation.
     *
     * @param x the activation
     * @param backend the backend of its device
     * @param reluMask ReLU's mask if {@code x} is a ReLU output, else null
     * @param config the step's configuration (group size, rounding, swapping)
     * @param manager the owner of what is packed
     */
    ActivationPacking(NDArray x, Backend backend, SavedMask reluMask, ActNNConfig config, NDManager manager) {
        this.x = x;
        this.quantizer = backend.quantizer();
        this.compaction = reluMask == null ? null : backend.compaction().orElse(null);
        this.mask = compaction == null ? null : reluMask;
        this.config = config;
        this.manager = manager;
    }

    /**
     * Returns the statistics a policy chooses bits from: of the activation when it is packed
     * whole, bounding ones over its groups when its compacted rows are packed.
     *
     * @return the statistics (owned by this packing)
     */
    GroupStats statistics() {
        if (rows() == null) {
            if (stats == null) {
                stats = quantizer.analyze(x, GroupSizes.forShape(x.getShape(), config));
            }
            return stats;
        }
        if (bounding == null) {
            if (stats == null) {
                stats = quantizer.analyze(rows, GroupSizes.forShape(rows.getShape(), config));
            }
            bounding = compaction.boundingStats(x, mask.packed(), stats, GroupSizes.forShape(x.getShape(), config));
        }
        return bounding;
    }

    /**
     * Packs the activation.
     *
     * @param bits the bits of each sample
     * @param key the random stream's key
     * @return the packed activation, a {@link CompactedActivation} when compacted
     */
    SavedActivation pack(int[] bits, long key) {
        NDArray target = rows() == null ? x : rows;
        QuantizeSpec spec = QuantizeSpec.perSample(
                bits, GroupSizes.forShape(target.getShape(), config), key, config.isStochastic());
        Device device = x.getDevice();
        if (rows != null) {
            SavedMask held = mask.retain();
            try {
                PackedActivation packed = new PackedActivation(quantize(target, spec), quantizer, device);
                return new CompactedActivation(packed, held, compaction, x.size());
            } catch (RuntimeException | Error e) {
                held.close();
                throw e;
            }
        }
        PackedTensor packed = quantize(target, spec);
        if (config.isSwap() && !Device.Type.CPU.equals(device.getDeviceType())) {
            PackedTensor onHost = packed.toDevice(Device.cpu());
            packed.close();
            return new PackedActivation(onHost, quantizer, device);
        }
        return new PackedActivation(packed, quantizer, device);
    }

    private PackedTensor quantize(NDArray target, QuantizeSpec spec) {
        // without statistics the backend analyses and packs in one pass where it can
        return stats == null ? quantizer.quantize(target, spec, manager) : quantizer.quantize(target, stats, spec, manager);
    }

    /**
     * The compacted rows, made at the first call; null when the activation is packed whole: not a
     * ReLU output, no compaction on its device, the mask freed, the mask no longer {@code x > 0}
     * (the tensor changed in place since ReLU), or too few zeros in some sample.
     */
    private NDArray rows() {
        if (tried) {
            return rows;
        }
        tried = true;
        if (mask == null || mask.isReleased() || x.getShape().dimension() < 2) {
            return null;
        }
        Optional<NDArray> compacted = compaction.compact(x, mask.packed(), manager);
        if (compacted.isEmpty()) {
            logger.debug("ReLU output {} packed whole: it changed since ReLU (its mask is no longer x > 0)",
                    x.getShape());
            return null;
        }
        NDArray r = compacted.get();
        if (r.getShape().get(1) > PackedLayout.featuresPerSample(x.getShape()) * COMPACT_AT_MOST) {
            logger.debug("ReLU output {} packed whole: a sample keeps {} of its {} elements", x.getShape(),
                    r.getShape().get(1), PackedLayout.featuresPerSample(x.getShape()));
            r.close();
            return null;
        }
        rows = r;
        return rows;
    }

    /** Frees the compacted rows and the statistics. */
    @Override
    public void close() {
        if (bounding != null) {
            bounding.close();
        }
        if (stats != null) {
            stats.close();
        }
        if (rows != null) {
            rows.close();
        }
    }
}
