package ai.actnn.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

    @Test
    void parsesBinaryDecimalAndPlainSizes() {
        assertEquals(4L << 30, ByteSize.parse("4GiB"));
        assertEquals(512L << 20, ByteSize.parse("512MiB"));
        assertEquals(1_000_000_000L, ByteSize.parse("1e9"));
        assertEquals(1_500_000_000L, ByteSize.parse("1.5GB"));
        assertEquals(3L << 29, ByteSize.parse("1.5g"));
        assertEquals(2048, ByteSize.parse(" 2 KiB "));
        assertEquals(800_000_000L, ByteSize.parse("800MB"));
        assertEquals(123, ByteSize.parse("123"));
        assertEquals(1L << 40, ByteSize.parse("1TiB"));
    }

    @Test
    void rejectsBadSizesWithExamples() {
        for (String bad : new String[] {"", "GiB", "4 GiBs", "-1GiB", "0", "0.1", "1e30", "4Gb/s", "four"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertTrue(e.getMessage().contains("use e.g. 4GiB"), e.getMessage());
        }
    }

    @Test
    void formatsWithBinaryUnits() {
        assertEquals("4.0 GiB", ByteSize.format(4L << 30));
        assertEquals("512.0 MiB", ByteSize.format(512L << 20));
        assertEquals("100 B", ByteSize.format(100));
    }
}
