/** The networks that the examples train and benchmark, built from DJL's own blocks. */
package ai.actnn.examples.models;
