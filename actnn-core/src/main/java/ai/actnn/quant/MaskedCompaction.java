package ai.actnn.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Optional;

/**
 * Keeps only the elements of a tensor that a 1-bit mask selects: a ReLU output is zero wherever
 * ReLU's mask is clear, and ReLU keeps that mask anyway, so the consumers of the output need to
 * pack only its positive elements ({@code docs/format.md}, "Compacted ReLU outputs").
 *
 * <p>A compacted tensor has shape {@code [N, W]}: row {@code n} holds, in element order, the
 * elements of sample {@code n} whose mask bit is set, followed by zeros up to {@code W}, the
 * largest count of set bits of any sample (at least 1). {@link #expand} puts them back and writes
 * exactly 0 everywhere else.
 */
public interface MaskedCompaction {

    /**
     * Compacts a tensor that is positive where the mask is set and zero where it is clear.
     *
     * @param x a FLOAT32 or FLOAT16 tensor, first axis the samples
     * @param mask a mask of {@code x}'s shape
     * @param manager the owner of the result
     * @return the {@code [N, W]} compacted tensor of {@code x}'s data type, or empty if the mask
     *     is not exactly {@code x > 0} (an element where it is clear is not zero, one where it is
     *     set is not positive, or a NaN): then nothing may be dropped
     * @throws IllegalArgumentException if the shapes differ, the mask was closed or a tensor is
     *     not on this backend's device
     */
    Optional<NDArray> compact(NDArray x, PackedMask mask, NDManager manager);

    /**
     * Puts compacted samples back where the mask says, with exact zeros elsewhere.
     *
     * @param compact rows {@code [first, first + R)} of a compacted tensor, shape {@code [R, W]}
     * @param mask the mask of the whole tensor the rows were compacted from
     * @param first the index of the first row's sample in the mask
     * @param manager the owner of the result
     * @return a tensor of the mask's shape but {@code R} samples, of {@code compact}'s data type
     * @throws IllegalArgumentException if the rows do not fit the mask or a tensor was closed
     */
    NDArray expand(NDArray compact, PackedMask mask, int first, NDManager manager);

    /**
     * Returns statistics over {@code x}'s own groups that bound, element by element, the rounding
     * variance of packing its compacted rows: a policy given them chooses bits as if {@code x}
     * were packed whole with these ranges, and its bound then holds for the compacted copy.
     * Every group's minimum is 0 (its zeros are restored exactly, and an element equal to an
     * FP16-exact minimum counts as exact), its maximum the widest range, FP16 record slack
     * included, among the row groups that hold its positive elements (a non-finite row group
     * makes it non-finite; a group without positive elements has range 0).
     *
     * @param x the tensor the rows were compacted from (read by policies for its exact elements)
     * @param mask its mask
     * @param rowStats the rows' statistics from this backend's quantizer
     * @param groupSize the group size of {@code x}'s groups
     * @return the statistics, over {@code x}'s shape
     * @throws IllegalArgumentException if the statistics are not of rows compacted by this mask
     */
    GroupStats boundingStats(NDArray x, PackedMask mask, GroupStats rowStats, int groupSize);
}
