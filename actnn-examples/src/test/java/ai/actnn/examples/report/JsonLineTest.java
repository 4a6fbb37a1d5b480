package ai.actnn.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonLineTest {

    @Test
    void writesAllValueTypesInOrder() {
        String json = new JsonLine()
                .put("model", "resnet18")
                .put("batch", 16)
                .put("ips", 41.75)
                .put("ratio", 2.0)
                .put("ok", true)
                .putNull("bits_avg")
                .putArray("probes", List.of(1, 2.5, "x"))
                .putArray("acc", 0.5, 0.75)
                .toString();
        assertEquals("{\"model\":\"resnet18\",\"batch\":16,\"ips\":41.75,\"ratio\":2,\"ok\":true,"
                + "\"bits_avg\":null,\"probes\":[1,2.5,\"x\"],\"acc\":[0.5,0.75]}", json);
    }

    @Test
    void nonFiniteNumbersBecomeNull() {
        assertEquals("{\"a\":null,\"b\":null,\"c\":null,\"d\":[null]}", new JsonLine()
                .put("a", Double.NaN).put("b", Double.POSITIVE_INFINITY).put("c", (Number) null)
                .putArray("d", Double.NaN).toString());
    }

    @Test
    void escapesStrings() {
        String nasty = "q\"b\\s/n\nr\rt\tc\u0001u\u2028";
        String json = new JsonLine().put("e", nasty).toString();
        assertEquals("{\"e\":\"q\\\"b\\\\s/n\\nr\\rt\\tc\\u0001u\\u2028\"}", json);
        assertEquals(nasty, JsonLineParser.parse(json).get("e"));
    }

    @Test
    void parserReadsBackWhatTheWriterWrites() {
        String json = new JsonLine().put("s", "x").put("i", 3).put("d", -1.5e-7).put("t", false)
                .putNull("n").putArray("l", Arrays.asList(1, null, "y")).toString();
        Map<String, Object> f = JsonLineParser.parse(" " + json + " ");
        assertEquals("x", f.get("s"));
        assertEquals(3L, f.get("i"));
        assertEquals(-1.5e-7, f.get("d"));
        assertEquals(false, f.get("t"));
        assertNull(f.get("n"));
        assertEquals(Arrays.asList(1L, null, "y"), f.get("l"));
    }

    @Test
    void parserRejectsMalformedInput() {
        for (String bad : List.of("", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "[1]", "{\"a\":\"\\q\"}")) {
            assertThrows(IllegalArgumentException.class, () -> JsonLineParser.parse(bad), bad);
        }
    }

    @Test
    void rejectsEmptyKeysAndObjectArrays() {
        assertThrows(IllegalArgumentException.class, () -> new JsonLine().put("", 1));
        assertThrows(IllegalArgumentException.class, () -> new JsonLine().putArray("a", List.of(new Object())));
    }
}
