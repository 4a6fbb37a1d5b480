package ai.actnn.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The conformance table, {@code target/conformance-table.md}: one row per case of the catalogue
 * (cases this run did not measure, because of their tags, say so), plus one row per property of
 * random compositions. Rewritten after every measurement, so it is complete whenever the run stops.
 */
public final class ConformanceTable {

    private static final Path FILE = Paths.get(System.getProperty("basedir", "."), "target", "conformance-table.md");
    private static final Map<String, String> ROWS = new LinkedHashMap<>();
    private static final Map<String, String> PROPERTY_ROWS = new LinkedHashMap<>();
    private static long started = System.nanoTime();

    private ConformanceTable() {}

    /**
     * Records a measured case.
     *
     * @param c the case
     * @param m the measurement
     */
    public static synchronized void record(Case c, Conformance.Measurement m) {
        ROWS.put(c.section() + "\u0000" + c.name(), row(c, m));
        write();
    }

    /**
     * Records a property run over random compositions.
     *
     * @param name the property
     * @param tries how many compositions were tried
     * @param worstL0 the worst L0 relative error
     * @param worstL3 the worst L3 relative error
     * @param worstRatio the largest L3/L0 byte ratio
     * @param failures how many compositions failed
     * @param seconds the property's run time
     */
    public static synchronized void recordProperty(
            String name, int tries, double worstL0, double worstL3, double worstRatio, int failures, double seconds) {
        PROPERTY_ROWS.put(
                name,
                String.format(
                        Locale.ROOT,
                        "| %s | %d random compositions | %s | %s | %s | - | %s | %.1f |",
                        name,
                        tries,
                        sci(worstL0),
                        sci(worstL3),
                        ratio(worstRatio),
                        failures == 0 ? "ok" : failures + " failed",
                        seconds));
        write();
    }

    private static String row(Case c, Conformance.Measurement m) {
        String status;
        if (m.passed()) {
            status = "ok";
        } else {
            status = (c.knownFailure() != null ? "**" + c.knownFailure() + "** " : "**FAIL** ") + escape(firstViolation(m));
        }
        String warned = m.fallbackWarned() == null ? "-" : m.fallbackWarned() ? "yes" : "**no**";
        return String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s | %s | %.1f |",
                escape(c.name()),
                escape(m.became()),
                sci(m.l0Error()),
                sci(m.l3Error()) + " / " + sci(m.l3MeanError()),
                bytes(m),
                warned,
                status,
                m.seconds());
    }

    private static String firstViolation(Conformance.Measurement m) {
        String v = m.violations().get(0);
        if (m.violations().size() > 1) {
            v += " (+" + (m.violations().size() - 1) + " more)";
        }
        return v.length() > 220 ? v.substring(0, 220) + "..." : v;
    }

    private static String bytes(Conformance.Measurement m) {
        if (m.l0Bytes() < 0 || m.l3Bytes() < 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%s (%s / %s)", ratio(m.bytesRatio()), human(m.l3Bytes()), human(m.l0Bytes()));
    }

    private static String human(long bytes) {
        if (bytes < 10_000) {
            return bytes + " B";
        }
        if (bytes < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.3f", r);
    }

    private static String sci(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    private static String escape(String s) {
        return s.replaceAll("\\w+\\$\\$Lambda\\$?[\\w/$]*", "lambda").replace("|", "\\|").replace("\n", " ");
    }

    private static void write() {
        StringBuilder sb = new StringBuilder();
        sb.append("# ActNN conformance table\n\n")
                .append("Each case: the same block and parameters, one training step with plain DJL, converted at L0 and at L3 ")
                .append("(second L3 step). L0 rel. error: worst over outputs and gradient tensors (must be < ")
                .append(Conformance.L0_TOLERANCE)
                .append("). L3 rel. error: ||g3 - g|| / ||g|| over all gradients, one L3 step / mean of ")
                .append(Conformance.L3_RUNS)
                .append(" steps (")
                .append(Conformance.L3_RUNS_ARCHITECTURE)
                .append(" for architectures); the mean must be < ")
                .append(Conformance.L3_BOUND)
                .append(" where something is quantized, and the one step > 0; where only masks, offsets or shapes are needed, L3 must be exact. Bytes: the engine's count of what it kept, L3 / L0 ")
                .append("(must be <= 0.25 where something is quantized). Fallback WARN: whether each generic fallback was announced by a WARN naming it.\n\n");
        String section = null;
        List<Case> all = new ArrayList<>(Catalogue.all());
        for (Case c : all) {
            if (!c.section().equals(section)) {
                section = c.section();
                sb.append("\n## ").append(section).append("\n\n");
                header(sb);
            }
            String row = ROWS.get(c.section() + "\u0000" + c.name());
            if (row == null) {
                if (c.excluded()) {
                    row = "| " + escape(c.name()) + " | | | | | | excluded: " + escape(c.exclusion()) + " | |";
                } else {
                    String why = c.heavy() ? "heavy" : c.knownFailure() != null ? "known-failure " + c.knownFailure() : "not selected";
                    row = "| " + escape(c.name()) + " | | | | | | not run (" + why + ") | |";
                }
            }
            sb.append(row).append('\n');
        }
        for (Map.Entry<String, String> e : ROWS.entrySet()) {
            // Cases outside the catalogue (ad hoc checks).
            String key = e.getKey();
            boolean known = all.stream().anyMatch(c -> key.equals(c.section() + "\u0000" + c.name()));
            if (!known) {
                if (!"other checks".equals(section)) {
                    section = "other checks";
                    sb.append("\n## other checks\n\n");
                    header(sb);
                }
                sb.append(e.getValue()).append('\n');
            }
        }
        if (!PROPERTY_ROWS.isEmpty()) {
            sb.append("\n## random compositions (jqwik)\n\n");
            header(sb);
            for (String row : PROPERTY_ROWS.values()) {
                sb.append(row).append('\n');
            }
        }
        sb.append(String.format(Locale.ROOT, "%nWritten after %.0f s of this run.%n", (System.nanoTime() - started) / 1e9));
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void header(StringBuilder sb) {
        sb.append("| block or architecture | what it became | L0 rel. error | L3 rel. error (1 step / mean) | bytes kept L3/L0 | fallback WARN | status | s |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
    }
}
