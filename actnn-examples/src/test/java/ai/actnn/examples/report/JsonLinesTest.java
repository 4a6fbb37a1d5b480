package ai.actnn.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

class JsonLinesTest {

    record AllTypes(String model, int batch, double ips, double ratio, boolean ok, Double bitsAvg,
            List<Object> probes, double[] acc) {}

    record Numbers(Double a, double b, Float c, float d, List<Double> e) {}

    record Text(String e) {}

    record Fixed(@JsonSerialize(using = JsonLines.FourDecimals.class) double msMedian,
            @JsonSerialize(using = JsonLines.FourDecimals.class) double gbPerS) {}

    record Required(@JsonProperty(required = true) String model, Double value) {}

    @Test
    void writesComponentsInOrderWithSnakeCaseNames() {
        String json = JsonLines.write(new AllTypes("resnet18", 16, 41.75, 2.0, true, null,
                List.of(1, 2.5, "x"), new double[] {0.5, 0.75}));
        assertEquals("{\"model\":\"resnet18\",\"batch\":16,\"ips\":41.75,\"ratio\":2,\"ok\":true,"
                + "\"bits_avg\":null,\"probes\":[1,2.5,\"x\"],\"acc\":[0.5,0.75]}", json);
    }

    @Test
    void integralFloatingPointIsWrittenWithoutAFractionAndNonFiniteAsNull() {
        assertEquals("{\"a\":3,\"b\":-1.5E-7,\"c\":0.1,\"d\":1,\"e\":[1.0E15,null,null,2.5]}",
                JsonLines.write(new Numbers(3.0, -1.5e-7, 0.1f, 1f,
                        Arrays.asList(1e15, Double.NaN, Double.POSITIVE_INFINITY, 2.5))));
        assertEquals("{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":[]}",
                JsonLines.write(new Numbers(null, Double.NEGATIVE_INFINITY, Float.NaN, Float.NaN, List.of())));
    }

    @Test
    void fourDecimalsKeepsTrailingZeros() {
        assertEquals("{\"ms_median\":0.3200,\"gb_per_s\":null}", JsonLines.write(new Fixed(0.32, Double.NaN)));
    }

    @Test
    void escapesControlCharactersAndLineSeparators() {
        String nasty = "q\"b\\s/n\nr\rt\tc\u0001u\u2028\u2029\u001f\u00e9";
        String json = JsonLines.write(new Text(nasty));
        assertEquals("{\"e\":\"q\\\"b\\\\s/n\\nr\\rt\\tc\\u0001u\\u2028\\u2029\\u001f\u00e9\"}", json);
        assertEquals(nasty, JsonLines.read(json, Text.class).e());
    }

    @Test
    void readsBackWhatItWrites() {
        Numbers n = new Numbers(3.0, -1.5e-7, 0.25f, 1f, Arrays.asList(1.5, null));
        Numbers back = JsonLines.read(" " + JsonLines.write(n) + " ", Numbers.class);
        assertEquals(n.a(), back.a());
        assertEquals(n.b(), back.b());
        assertEquals(n.c(), back.c());
        assertEquals(n.e(), back.e());
    }

    @Test
    void malformedLinesAreIllegalArgumentsQuotingTheLine() {
        for (String bad : List.of("", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":\"\\q\"}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonLines.readTree(bad), bad);
            assertTrue(e.getMessage().startsWith("cannot read '" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> JsonLines.readTree("[1]"));
    }

    @Test
    void missingRequiredAndUnknownFieldsAreIllegalArguments() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> JsonLines.read("{\"value\":1}", Required.class));
        assertTrue(missing.getMessage().contains("'model'"), missing.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> JsonLines.read("{\"model\":\"m\",\"colour\":1}", Required.class));
        assertTrue(unknown.getMessage().contains("\"colour\""), unknown.getMessage());
    }

    @Test
    void treesExposeFieldsInOrder() {
        JsonNode node = JsonLines.readTree("{\"b\":1,\"a\":null}");
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("b", "a"), names);
        assertTrue(node.get("a").isNull());
    }
}
