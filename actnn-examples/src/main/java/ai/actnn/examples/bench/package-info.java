/**
 * Memory and speed benchmarks of training at each level: one measured configuration ({@link
 * ai.actnn.examples.bench.BenchmarkRunner}), optionally in a fresh JVM ({@link
 * ai.actnn.examples.bench.ChildJvm}), and the search for the largest batch that fits a memory
 * budget ({@link ai.actnn.examples.bench.MaxBatchSearch}).
 */
package ai.actnn.examples.bench;
