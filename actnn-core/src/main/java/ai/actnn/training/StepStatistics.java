package ai.actnn.training;

/**
 * What the last completed step of a trainer saved: for benchmarks and logs.
 *
 * @param step the step number (from 0)
 * @param recordedOps how many Q-ops were recorded
 * @param savedBytes the bytes of saved activations (each tensor counted once)
 * @param averageBits the average bits per saved element, metadata included (NaN if none)
 */
public record StepStatistics(long step, long recordedOps, long savedBytes, double averageBits) {}
