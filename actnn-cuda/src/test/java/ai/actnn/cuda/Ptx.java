package ai.actnn.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the kernels' PTX once per test JVM with nvcc and reads its entry points. */
final class Ptx {

    /** nvcc options of the Maven build (src/build/build-ptx.sh). */
    static final List<String> OPTIONS = List.of("-ptx", "-arch=compute_75", "-fmad=false", "-Werror", "all-warnings");

    private static String ptx;
    private static String failure;

    private Ptx() {}

    /**
     * Compiles actnn_kernels.cu to PTX (cached for the JVM).
     *
     * @param nvcc nvcc
     * @return the PTX text
     * @throws AssertionError with nvcc's output if compilation fails
     */
    static synchronized String build(Path nvcc) throws IOException, InterruptedException {
        if (ptx != null) {
            return ptx;
        }
        if (failure != null) {
            throw new AssertionError(failure);
        }
        Path out = NativeTools.OUT.resolve("actnn_kernels.ptx");
        Files.createDirectories(NativeTools.OUT);
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(nvcc.toString());
        cmd.addAll(OPTIONS);
        cmd.add("-o");
        cmd.add(out.toString());
        cmd.add(NativeTools.KERNEL_DIR.resolve("actnn_kernels.cu").toString());
        NativeTools.Result r = NativeTools.run(300, cmd);
        if (r.exitCode != 0) {
            failure = "nvcc " + String.join(" ", OPTIONS) + " failed (" + r.exitCode + "):\n" + r.tail();
            throw new AssertionError(failure);
        }
        ptx = Files.readString(out, StandardCharsets.UTF_8);
        return ptx;
    }

    /**
     * Returns the PTX file built by {@link #build}.
     *
     * @return the path
     */
    static Path file() {
        return NativeTools.OUT.resolve("actnn_kernels.ptx");
    }

    /**
     * Returns every entry point with its parameter kinds ({@code q}: 8 bytes, {@code i}: 32-bit
     * integer, {@code f}: float), in PTX order.
     *
     * @param ptx the PTX
     * @return entry name to kinds
     */
    static Map<String, String> entries(String ptx) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\((.*?)\\)", Pattern.DOTALL).matcher(ptx);
        while (m.find()) {
            StringBuilder kinds = new StringBuilder();
            Matcher p = Pattern.compile("\\.param\\s+\\.(\\w+)").matcher(m.group(2));
            while (p.find()) {
                kinds.append(kind(p.group(1)));
            }
            out.put(m.group(1), kinds.toString());
        }
        return out;
    }

    private static char kind(String type) {
        switch (type) {
            case "u64":
            case "s64":
            case "b64":
                return 'q';
            case "u32":
            case "s32":
            case "b32":
                return 'i';
            case "f32":
                return 'f';
            default:
                return '?';
        }
    }

    /**
     * Returns nvcc, or empty.
     *
     * @return nvcc
     */
    static Optional<Path> nvcc() {
        return NativeTools.nvcc();
    }
}
