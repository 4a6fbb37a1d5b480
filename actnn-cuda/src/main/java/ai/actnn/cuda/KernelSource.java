package ai.actnn.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel code shipped in this jar: the CUDA C source {@code actnn_kernels.cu} (always) and the
 * PTX that nvcc built from it at Maven build time ({@code actnn_kernels.ptx}, present when the jar
 * was built on a machine with nvcc; see {@code src/build/build-ptx.sh}).
 */
final class KernelSource {

    /** Resource name of the CUDA C source, relative to this package. */
    static final String SOURCE_RESOURCE = "actnn_kernels.cu";

    /** Resource name of the prebuilt PTX (compute_75), relative to this package. */
    static final String PTX_RESOURCE = "actnn_kernels.ptx";

    /**
     * PTX ISA version used when the driver rejects the prebuilt PTX's own version (nvcc 13 writes
     * ISA 9.0, which only CUDA 13 drivers accept). The kernels use nothing newer than ISA 6.3; the
     * test {@code KernelCompileTest} checks with ptxas that the rewritten PTX is valid. 7.0 is
     * CUDA 11.0's ISA: every driver that runs PyTorch 2.x accepts it.
     */
    static final String FALLBACK_PTX_ISA = "7.0";

    private static final Pattern VERSION = Pattern.compile("(?m)^\\s*\\.version\\s+(\\d+\\.\\d+)\\s*$");

    private static volatile String source;

    private KernelSource() {}

    /**
     * Returns the CUDA C source.
     *
     * @return the source text
     * @throws UncheckedIOException if the resource is missing from the jar
     */
    static String source() {
        String s = source;
        if (s == null) {
            s = read(SOURCE_RESOURCE)
                    .orElseThrow(() -> new UncheckedIOException(
                            new IOException("resource ai/actnn/cuda/" + SOURCE_RESOURCE + " is missing")));
            source = s;
        }
        return s;
    }

    /**
     * Returns the PTX built at Maven build time, if this jar has it.
     *
     * @return the PTX text, or empty when the jar was built without nvcc
     */
    static Optional<String> prebuiltPtx() {
        return read(PTX_RESOURCE);
    }

    /**
     * Returns the PTX ISA version of a PTX module (its {@code .version} directive).
     *
     * @param ptx the PTX text
     * @return the version, e.g. {@code "9.0"}, or empty if the directive is missing
     */
    static Optional<String> ptxVersion(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Returns the PTX with its {@code .version} directive replaced, so that a driver older than
     * the nvcc that wrote it accepts it (drivers reject PTX whose ISA version they do not know,
     * even when no newer instruction is used).
     *
     * @param ptx the PTX text
     * @param version the ISA version to declare, e.g. {@code "7.0"}
     * @return the rewritten PTX
     * @throws IllegalArgumentException if the PTX has no {@code .version} directive
     */
    static String withPtxVersion(String ptx, String version) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("PTX has no .version directive");
        }
        return ptx.substring(0, m.start(1)) + version + ptx.substring(m.end(1));
    }

    /**
     * Returns the hex SHA-256 of strings joined with NUL separators: the identity of a
     * compilation (source, options, compiler version) for the on-disk cache.
     *
     * @param parts the parts
     * @return 64 hex digits
     */
    static String sha256(List<String> parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update(p.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static Optional<String> read(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource ai/actnn/cuda/" + name, e);
        }
    }
}
