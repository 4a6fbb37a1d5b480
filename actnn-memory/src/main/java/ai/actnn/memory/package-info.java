/**
 * Process memory probes for measuring activation memory on the CPU: resident set size, its peak,
 * and windows that attribute memory to a piece of work (the CPU counterpart of {@code
 * torch.cuda.memory_allocated} / {@code max_memory_allocated}).
 */
package ai.actnn.memory;
