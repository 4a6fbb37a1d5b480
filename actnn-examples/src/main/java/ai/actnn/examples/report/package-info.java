/**
 * Output of the examples: JSON lines (written and read without a JSON library), aligned console
 * tables and PNG charts (XChart).
 */
package ai.actnn.examples.report;
