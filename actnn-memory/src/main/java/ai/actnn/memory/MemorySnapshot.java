package ai.actnn.memory;

/**
 * The resident set of this process and its high-water mark at one instant.
 *
 * @param rssBytes the resident set size ({@code VmRSS}) in bytes
 * @param peakBytes the high-water mark ({@code VmHWM}) in bytes
 */
public record MemorySnapshot(long rssBytes, long peakBytes) {}
