/**
 * The one seam between the examples and the ActNN engine: a {@link
 * ai.actnn.examples.engine.LevelSetup} turns a plain DJL network into a trainer at a level.
 * {@link ai.actnn.examples.engine.EngineLevelSetup} is the implementation the CLI uses.
 */
package ai.actnn.examples.engine;
