package ai.actnn.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConsoleTableTest {

    @Test
    void alignsNumbersRightAndTextLeft() {
        String table = new ConsoleTable("level", "activation MB", "ratio")
                .addRow("L0", 102.44, "1.0x")
                .addRow("L3", 8.5, "12.1x")
                .addRow("plain", null, "-")
                .render();
        assertEquals(String.join("\n",
                "level  activation MB  ratio",
                "-----  -------------  -----",
                "L0             102.4   1.0x",
                "L3               8.5  12.1x",
                "plain              -      -",
                ""), table);
    }

    @Test
    void rejectsRowsOfTheWrongWidth() {
        assertThrows(IllegalArgumentException.class, () -> new ConsoleTable("a", "b").addRow("x"));
    }
}
