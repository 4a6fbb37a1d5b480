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
     * Compacts a tensor that is zero wherever the mask is clear.
     *
     * @param x a FLOAT32 or FLOAT16 tensor, first axis the samples
     * @param mask a mask of {@code x}'s shape
     * @param manager the owner of the result
     * @return the {@code [N, W]} compacted tensor of {@code x}'s data type, or empty if some
     *     element where the mask is clear is not zero (NaN included): then the mask does not
     *     describe {@code x} and nothing may be dropped
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
}
