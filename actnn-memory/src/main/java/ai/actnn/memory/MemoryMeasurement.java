package ai.actnn.memory;

/**
 * What a {@link MemoryWindow} saw: the resident set before the work, at the "after" point, at its
 * peak and at the end, all in bytes.
 *
 * @param beforeBytes resident set when the window opened
 * @param afterBytes resident set at the mark (after the forward pass), or at the end if unmarked
 * @param peakAbsoluteBytes high-water mark of the resident set during the window
 * @param endBytes resident set when the window closed
 * @param peakReset whether the high-water mark could be reset when the window opened (if not,
 *     the peak may predate the window)
 */
public record MemoryMeasurement(
        long beforeBytes, long afterBytes, long peakAbsoluteBytes, long endBytes, boolean peakReset) {

    /**
     * Returns the bytes that the work added and still held at the "after" point: for a forward
     * pass, the activation memory.
     *
     * @return after - before (negative if memory was freed)
     */
    public long retainedBytes() {
        return afterBytes - beforeBytes;
    }

    /**
     * Returns the peak above the starting point: the most memory the work needed at once.
     *
     * @return peak - before
     */
    public long peakBytes() {
        return peakAbsoluteBytes - beforeBytes;
    }

    /**
     * Returns the bytes still held at the end compared with the start.
     *
     * @return end - before
     */
    public long leakedBytes() {
        return endBytes - beforeBytes;
    }
}
