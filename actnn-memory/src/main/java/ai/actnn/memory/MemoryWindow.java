package ai.actnn.memory;

/**
 * An interval of measured work: opened with the resident set before the work (and the peak reset),
 * optionally {@link #mark() marked} at an intermediate point (after the forward pass), and
 * {@link #close() closed} with the peak of the whole interval.
 *
 * <p>Not thread-safe; one window per measured piece of work. Windows should not be nested: each
 * one resets the process-wide high-water mark.
 */
public final class MemoryWindow {

    private final long beforeBytes;
    private final boolean peakReset;
    private long markBytes = -1;
    private MemoryMeasurement result;

    private MemoryWindow(long beforeBytes, boolean peakReset) {
        this.beforeBytes = beforeBytes;
        this.peakReset = peakReset;
    }

    /**
     * Resets the high-water mark and records the resident set.
     *
     * @return the open window
     * @throws UnsupportedOperationException off Linux
     */
    public static MemoryWindow open() {
        boolean reset = ProcessMemory.resetPeak();
        return new MemoryWindow(ProcessMemory.rssBytes(), reset);
    }

    /**
     * Returns the resident set recorded when the window opened.
     *
     * @return bytes
     */
    public long beforeBytes() {
        return beforeBytes;
    }

    /**
     * Records the resident set now as the "after" point (for a training step: after the forward
     * pass, when all activations are alive). Calling it again moves the point.
     *
     * @return the bytes retained since the window opened (may be negative)
     * @throws IllegalStateException if the window is closed
     */
    public long mark() {
        if (result != null) {
            throw new IllegalStateException("memory window already closed");
        }
        markBytes = ProcessMemory.rssBytes();
        return markBytes - beforeBytes;
    }

    /**
     * Closes the window: reads the peak and the resident set now. If {@link #mark()} was never
     * called, the "after" point is now. Closing twice returns the same measurement.
     *
     * @return the measurement
     */
    public MemoryMeasurement close() {
        if (result == null) {
            MemorySnapshot end = ProcessMemory.snapshot();
            long after = markBytes >= 0 ? markBytes : end.rssBytes();
            long peak = Math.max(end.peakBytes(), Math.max(after, end.rssBytes()));
            result = new MemoryMeasurement(beforeBytes, after, peak, end.rssBytes(), peakReset);
        }
        return result;
    }
}
