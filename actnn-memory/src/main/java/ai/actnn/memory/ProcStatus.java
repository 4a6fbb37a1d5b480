package ai.actnn.memory;

/**
 * Parses the memory fields of {@code /proc/<pid>/status} (Linux, values in kB).
 *
 * <p>Package-private: the parsing is separate from the file access so that it can be tested on
 * any text.
 */
final class ProcStatus {

    private ProcStatus() {}

    /**
     * Returns the value of a {@code kB} field in bytes.
     *
     * @param status the text of a status file
     * @param field the field name without the colon, e.g. {@code VmRSS}
     * @return the value in bytes
     * @throws IllegalStateException if the field is missing or malformed
     */
    static long fieldBytes(String status, String field) {
        String prefix = field + ':';
        int start = 0;
        while (start < status.length()) {
            int end = status.indexOf('\n', start);
            if (end < 0) {
                end = status.length();
            }
            if (status.startsWith(prefix, start)) {
                return parseKilobytes(status.substring(start + prefix.length(), end), field);
            }
            start = end + 1;
        }
        throw new IllegalStateException("field " + field + " not found in /proc/self/status");
    }

    private static long parseKilobytes(String value, String field) {
        String v = value.trim();
        if (!v.endsWith("kB")) {
            throw new IllegalStateException("field " + field + " has no kB unit: '" + v + "'");
        }
        try {
            return Long.parseLong(v.substring(0, v.length() - 2).trim()) * 1024L;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("field " + field + " is not a number: '" + v + "'", e);
        }
    }
}
