package ai.actnn.store;

import ai.actnn.quant.MaskedCompaction;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A ReLU output kept as its positive elements only: the elements where ReLU's mask is set,
 * compacted and packed, and a hold on that mask, which ReLU keeps for its own backward anyway.
 * Restoring unpacks the compacted rows and puts them back where the mask says, with exact zeros
 * elsewhere. About half of a ReLU output is zero, so this keeps about half the bytes of packing
 * it whole, with the same error on the positive elements and none on the zeros.
 */
final class CompactedActivation implements SavedActivation {

    private final PackedActivation rows;
    private final SavedMask mask;
    private final MaskedCompaction compaction;
    private final long elements;

    /**
     * Wraps packed compacted rows.
     *
     * @param rows the packed {@code [N, W]} rows (owned from now on)
     * @param mask the mask they were compacted by (a hold this activation releases on close)
     * @param compaction the backend's compaction, which expands them
     * @param elements the elements of the original tensor
     */
    CompactedActivation(PackedActivation rows, SavedMask mask, MaskedCompaction compaction, long elements) {
        this.rows = rows;
        this.mask = mask;
        this.compaction = compaction;
        this.elements = elements;
    }

    @Override
    public NDArray restore(NDManager manager) {
        try (NDArray all = rows.restore(manager)) {
            return compaction.expand(all, mask.packed(), 0, manager);
        }
    }

    @Override
    public NDArray restore(NDManager manager, int from, int to) {
        try (NDArray part = rows.restore(manager, from, to)) {
            return compaction.expand(part, mask.packed(), from, manager);
        }
    }

    @Override
    public int samples() {
        return rows.samples();
    }

    @Override
    public long storedBytes() {
        return rows.storedBytes();
    }

    @Override
    public double bitsPerElement() {
        return storedBytes() * 8.0 / elements;
    }

    @Override
    public void close() {
        try {
            rows.close();
        } finally {
            mask.close();
        }
    }
}
