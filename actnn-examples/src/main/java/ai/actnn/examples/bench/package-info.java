/**
 * Memory and speed benchmarks of training at each level: one measured configuration ({@link
 * ai.actnn.examples.bench.BenchmarkRunner}) of a model described by a {@link
 * ai.actnn.examples.models.ModelSpec} (image models, BERT-tiny, a transformer encoder), optionally
 * in a fresh JVM ({@link ai.actnn.examples.bench.ChildJvm}), the search for the largest batch that
 * fits a memory budget ({@link ai.actnn.examples.bench.MaxBatchSearch}), and the CPU quantizer's
 * speed against a copy ({@link ai.actnn.examples.bench.QuantizerBenchmark}).
 */
package ai.actnn.examples.bench;
