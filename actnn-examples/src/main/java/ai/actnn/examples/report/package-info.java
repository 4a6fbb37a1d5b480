/**
 * Output of the examples: JSON lines (Jackson, in the format of {@link
 * ai.actnn.examples.report.JsonLines}), aligned console tables and PNG charts (XChart).
 */
package ai.actnn.examples.report;
