package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Grid sizes for every tensor size, with no dependence on the 65535 limit of the y grid axis. */
class LaunchConfigTest {

    private final LaunchConfig h100 = new LaunchConfig(132);

    @Test
    void capIsAFewBlocksPerMultiprocessor() {
        assertEquals(132 * LaunchConfig.BLOCKS_PER_SM, h100.maxBlocks());
        assertEquals(LaunchConfig.BLOCKS_PER_SM, new LaunchConfig(1).maxBlocks());
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0));
    }

    @Test
    void emptyWorkStillGetsOneBlock() {
        assertEquals(1, h100.warpsGrid(0));
        assertEquals(1, h100.threadsGrid(0));
        assertEquals(1, h100.maskWordsGrid(0));
    }

    @Test
    void smallWorkGetsJustEnoughBlocks() {
        assertEquals(1, h100.warpsGrid(8));
        assertEquals(2, h100.warpsGrid(9));
        assertEquals(1, h100.threadsGrid(256));
        assertEquals(2, h100.threadsGrid(257));
        // 4 words of 32 elements per warp, 8 warps per block: 1024 elements per block
        assertEquals(1, h100.maskWordsGrid(1024));
        assertEquals(2, h100.maskWordsGrid(1025));
    }

    @Test
    void hugeTensorsAreCappedNotOverflowed() {
        long elements = 1L << 40;
        assertEquals(h100.maxBlocks(), h100.threadsGrid(elements));
        assertEquals(h100.maxBlocks(), h100.maskWordsGrid(elements));
        assertEquals(h100.maxBlocks(), h100.warpsGrid(elements / 256));
        assertEquals(h100.maxBlocks(), h100.threadsGrid(Long.MAX_VALUE));
        assertEquals(h100.maxBlocks(), h100.warpsGrid(Long.MAX_VALUE));
    }

    @Test
    void moreThan65535SamplesUseTheOneDimensionalGrid() {
        // 70000 samples of 3 features, group size 32: 70000 groups, one warp each
        long groups = 70_000L * CudaQuantizerBackend.geometry(new ai.djl.ndarray.types.Shape(70_000, 3), 32, 0, 0, 2)
                .groupsPerSample;
        assertEquals(70_000, groups);
        LaunchConfig big = new LaunchConfig(100_000);  // a cap above the need: the grid follows the work
        assertEquals(8750, big.warpsGrid(groups));
        assertEquals(h100.maxBlocks(), h100.warpsGrid(groups));
    }

    @Test
    void ceilDivIsExactAndOverflowFree() {
        assertEquals(0, LaunchConfig.ceilDiv(0, 7));
        assertEquals(1, LaunchConfig.ceilDiv(1, 7));
        assertEquals(2, LaunchConfig.ceilDiv(8, 7));
        assertEquals(Long.MAX_VALUE / 2 + 1, LaunchConfig.ceilDiv(Long.MAX_VALUE, 2));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.ceilDiv(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.ceilDiv(1, 0));
    }

    @Test
    void fusedVariantHoldsTheGroup() {
        assertEquals(2, LaunchConfig.fusedVariant(32));
        assertEquals(2, LaunchConfig.fusedVariant(128));
        assertEquals(4, LaunchConfig.fusedVariant(160));
        assertEquals(4, LaunchConfig.fusedVariant(256));
        assertEquals(8, LaunchConfig.fusedVariant(512));
        assertEquals(16, LaunchConfig.fusedVariant(1024));
        assertEquals(0, LaunchConfig.fusedVariant(1056));
    }
}
