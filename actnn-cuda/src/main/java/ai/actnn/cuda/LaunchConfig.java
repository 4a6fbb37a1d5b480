package ai.actnn.cuda;

/**
 * Grid sizes of the kernels in {@code actnn_kernels.cu}. Every kernel takes a 1-D grid of 1-D
 * blocks of {@link #BLOCK} threads and walks its work with a grid-stride loop over 64-bit indices,
 * so the grid only has to be large enough to fill the GPU: it is capped at {@code maxBlocks}
 * (a few resident blocks per multiprocessor) however large the tensor. The y and z grid axes are
 * never used, so nothing depends on their 65535 limit (ActNN's pack kernel put samples on the
 * y axis and broke past 65535 samples).
 *
 * <p>The standalone GPU check ({@code src/test/cuda/check_suite.h}, struct {@code Launch}) uses
 * the same formulas.
 */
final class LaunchConfig {

    /** Threads per block of every launch; equals {@code ACTNN_BLOCK} in the kernels. */
    static final int BLOCK = 256;

    /** Warps per block. */
    static final int WARPS_PER_BLOCK = BLOCK / 32;

    /** 32-element mask words one warp handles per loop iteration ({@code ACTNN_UNROLL}). */
    static final int UNROLL = 4;

    /** Resident blocks per multiprocessor targeted by the cap (2048 threads / 256). */
    static final int BLOCKS_PER_SM = 8;

    /** Upper limit of a 1-D grid's x dimension. */
    static final long MAX_GRID_X = Integer.MAX_VALUE;

    private final int maxBlocks;

    /**
     * Creates the configuration for a device.
     *
     * @param multiprocessors the device's multiprocessor count (at least 1)
     */
    LaunchConfig(int multiprocessors) {
        if (multiprocessors < 1) {
            throw new IllegalArgumentException("multiprocessors must be >= 1, got " + multiprocessors);
        }
        this.maxBlocks = (int) Math.min(MAX_GRID_X, (long) multiprocessors * BLOCKS_PER_SM);
    }

    /**
     * Returns the largest grid this configuration launches.
     *
     * @return the block cap
     */
    int maxBlocks() {
        return maxBlocks;
    }

    /**
     * Grid for kernels that give one warp to each item (quantization groups, samples).
     *
     * @param items the number of items (any non-negative count)
     * @return blocks, between 1 and {@link #maxBlocks()}
     */
    int warpsGrid(long items) {
        return clamp(ceilDiv(items, WARPS_PER_BLOCK));
    }

    /**
     * Grid for kernels that give one thread to each item.
     *
     * @param items the number of items
     * @return blocks, between 1 and {@link #maxBlocks()}
     */
    int threadsGrid(long items) {
        return clamp(ceilDiv(items, BLOCK));
    }

    /**
     * Grid for the 1-bit mask kernels: one warp handles {@link #UNROLL} words of 32 elements.
     *
     * @param elements the number of elements
     * @return blocks, between 1 and {@link #maxBlocks()}
     */
    int maskWordsGrid(long elements) {
        return warpsGrid(ceilDiv(ceilDiv(elements, 32), UNROLL));
    }

    private int clamp(long blocks) {
        return (int) Math.max(1, Math.min(blocks, maxBlocks));
    }

    /**
     * Returns {@code ceil(a / b)} for non-negative {@code a} and positive {@code b}, without overflow.
     *
     * @param a the dividend
     * @param b the divisor
     * @return the rounded-up quotient
     */
    static long ceilDiv(long a, long b) {
        if (a < 0 || b <= 0) {
            throw new IllegalArgumentException("ceilDiv needs a >= 0 and b > 0, got " + a + ", " + b);
        }
        return a / b + (a % b == 0 ? 0 : 1);
    }

    /**
     * Returns the register variant of the fused quantize kernel that holds a whole group: lane
     * {@code l} keeps {@code 2 * variant} elements, so groups of up to {@code 64 * variant}
     * elements fit. Larger groups take the two-pass path (statistics, then packing).
     *
     * @param groupSize the group size
     * @return 2, 4, 8 or 16, or 0 when no variant holds the group
     */
    static int fusedVariant(int groupSize) {
        for (int v : new int[] {2, 4, 8, 16}) {
            if (groupSize <= 64 * v) {
                return v;
            }
        }
        return 0;
    }
}
