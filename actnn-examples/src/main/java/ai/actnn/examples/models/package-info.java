/**
 * The networks that the examples train and benchmark, built from DJL's own blocks: image models
 * ({@link ai.actnn.examples.models.ModelZoo}) and transformers ({@link
 * ai.actnn.examples.models.TransformerModels}). {@link ai.actnn.examples.models.ModelCatalog} turns
 * a model name and its sizes into a {@link ai.actnn.examples.models.ModelSpec}, which says how to
 * build the network, the shapes of its inputs and how to make random ones, so that the runners
 * hold no per-model logic.
 */
package ai.actnn.examples.models;
