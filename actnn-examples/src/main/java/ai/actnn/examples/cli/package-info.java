/**
 * The command line of the examples ({@code bin/actnn}): {@code data}, {@code demo}, {@code train},
 * {@code benchmark} (image models, bert-tiny and the transformer) and {@code quantizer-bench},
 * built with picocli. Standard output carries only tables and JSON lines;
 * logs and progress go to standard error. Exit codes: 0 success, 1 failure, 2 invalid usage.
 */
package ai.actnn.examples.cli;
