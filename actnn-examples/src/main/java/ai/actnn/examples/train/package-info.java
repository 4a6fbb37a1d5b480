/**
 * The training side of the examples: one measured training step, the epoch loop with test
 * accuracy, and a console progress bar. The ActNN engine enters only through {@link
 * ai.actnn.examples.engine.LevelSetup}.
 */
package ai.actnn.examples.train;
