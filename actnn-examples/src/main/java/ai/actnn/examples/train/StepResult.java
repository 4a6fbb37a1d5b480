package ai.actnn.examples.train;

import ai.actnn.memory.MemoryMeasurement;

/**
 * What one training step measured.
 *
 * @param loss the loss of the batch
 * @param correct how many predictions of the batch were right
 * @param nanos wall time of forward, backward and optimizer step
 * @param memory the memory window around the step ({@code retainedBytes} = activations after the
 *     forward pass), or {@code null} when memory was not measured
 */
public record StepResult(float loss, long correct, long nanos, MemoryMeasurement memory) {}
