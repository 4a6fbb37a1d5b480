/**
 * The command line of the examples ({@code bin/actnn}): {@code data}, {@code demo}, {@code train},
 * {@code benchmark} (image models, bert-tiny and the transformer) and {@code quantizer-bench},
 * built with picocli. Standard output carries only tables and JSON lines;
 * logs and progress go to standard error. Exit codes: 0 success, 1 failure, 2 invalid usage.
 *
 * <p>An option that several commands take is declared once, in a picocli mixin that also checks
 * its value ({@link ai.actnn.examples.cli.SeedOption}, {@link ai.actnn.examples.cli.JsonOption},
 * {@link ai.actnn.examples.cli.LevelsOption}, {@link ai.actnn.examples.cli.RecipeOptions}, {@link
 * ai.actnn.examples.cli.TimingOptions}, {@link ai.actnn.examples.cli.DataOptions}). What differs by
 * command, a default or the wording of the help, is in the command's resource bundle, next to its
 * class: {@code ai/actnn/examples/cli/BenchmarkCommand.properties} and so on.
 */
package ai.actnn.examples.cli;
