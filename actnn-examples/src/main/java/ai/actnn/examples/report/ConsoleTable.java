package ai.actnn.examples.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A console table with aligned columns: numbers (and cells that look like numbers, such as
 * {@code 12.5x}) are right-aligned, text is left-aligned.
 *
 * <pre>
 * level  activation MB  images/s
 * -----  -------------  --------
 * L0             102.4     310.2
 * </pre>
 */
public final class ConsoleTable {

    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * Creates a table.
     *
     * @param headers the column titles
     */
    public ConsoleTable(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = headers.clone();
    }

    /**
     * Adds a row; {@code null} cells print as "-".
     *
     * @param cells one value per column ({@link Double} and {@link Float} printed with 1 decimal
     *     unless pre-formatted as strings)
     * @return this table
     * @throws IllegalArgumentException if the number of cells differs from the number of columns
     */
    public ConsoleTable addRow(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException(
                    "row has " + cells.length + " cells, table has " + headers.length + " columns");
        }
        rows.add(Arrays.stream(cells).map(ConsoleTable::format).toArray(String[]::new));
        return this;
    }

    /**
     * Renders the table, one line per row with a separator under the header, ending with a line
     * break.
     *
     * @return the text
     */
    public String render() {
        int[] widths = new int[headers.length];
        boolean[] right = new boolean[headers.length];
        for (int c = 0; c < headers.length; c++) {
            widths[c] = headers[c].length();
            right[c] = !rows.isEmpty();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
                right[c] &= looksNumeric(row[c]);
            }
        }
        StringBuilder sb = new StringBuilder();
        appendLine(sb, headers, widths, right);
        String[] rule = new String[headers.length];
        for (int c = 0; c < headers.length; c++) {
            rule[c] = "-".repeat(widths[c]);
        }
        appendLine(sb, rule, widths, right);
        for (String[] row : rows) {
            appendLine(sb, row, widths, right);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private static void appendLine(StringBuilder sb, String[] cells, int[] widths, boolean[] right) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[c] - cells[c].length());
            line.append(right[c] ? pad + cells[c] : cells[c] + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static String format(Object cell) {
        if (cell == null) {
            return "-";
        }
        if (cell instanceof Double || cell instanceof Float) {
            double d = ((Number) cell).doubleValue();
            return Double.isFinite(d) ? String.format("%.1f", d) : "-";
        }
        return cell.toString();
    }

    private static boolean looksNumeric(String cell) {
        return cell.equals("-") || cell.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?[x%]?");
    }
}
