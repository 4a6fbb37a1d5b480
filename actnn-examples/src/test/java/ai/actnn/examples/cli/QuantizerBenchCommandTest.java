package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

class QuantizerBenchCommandTest {

    private final Cli cli = new Cli();

    @Test
    void printsOneJsonLinePerOperation() {
        List<JsonNode> parsed = cli.runJson("quantizer-bench", "--shape", "8,1024", "--bits", "2,4", "--iterations",
                "3", "--warmup", "1", "--threads", "1", "--json");
        // copy, memcpy, then 2 bits: quantize, quantize nearest, dequantize; 4 bits: quantize, dequantize
        assertEquals(9, parsed.size(), cli.out());
        assertEquals("copy", parsed.get(0).get("op").asText());
        assertEquals("memcpy", parsed.get(1).get("op").asText());
        JsonNode q2 = parsed.get(2);
        assertEquals("quantize_pack", q2.get("op").asText());
        assertEquals(2, q2.get("bits").asInt());
        assertEquals("[8,1024]", q2.get("shape").toString());
        assertEquals(1, q2.get("threads").asInt());
        assertTrue(q2.get("packed_bytes").asLong() < 8 * 1024 * 4 / 8, q2.toString());
        assertEquals("unpack_dequantize", parsed.get(6).get("op").asText());
        assertEquals(4, parsed.get(6).get("bits").asInt());
        // then ReLU's 1-bit mask: packed in the forward, applied to the gradient in the backward
        assertEquals("mask_pack", parsed.get(7).get("op").asText());
        assertEquals("mask_apply", parsed.get(8).get("op").asText());
        assertEquals(8 * 1024 / 8, parsed.get(7).get("packed_bytes").asLong(), parsed.get(7).toString());
    }

    @Test
    void measuresEveryWidthFromOneToEight() {
        List<JsonNode> parsed = cli.runJson("quantizer-bench", "--shape", "4,256", "--bits", "3,5,6,7",
                "--iterations", "1", "--warmup", "0", "--threads", "1", "--json");
        // copy, memcpy, then quantize and dequantize per width, then the mask's pack and apply
        assertEquals(2 + 2 * 4 + 2, parsed.size(), cli.out());
        assertEquals(3, parsed.get(2).get("bits").asInt());
        assertEquals(7, parsed.get(9).get("bits").asInt());
        // 4 samples of one 256-element group: the codes take 256 * bits / 8 bytes per sample
        assertTrue(parsed.get(2).get("packed_bytes").asLong() >= 4 * 256 * 3 / 8, parsed.get(2).toString());
    }

    @Test
    void printsATableByDefault() {
        assertEquals(0, cli.run("quantizer-bench", "--shape", "4,256", "--bits", "8", "--iterations", "1",
                "--warmup", "0"), cli.err());
        assertTrue(cli.out().startsWith("shape (4, 256)"), cli.out());
        assertTrue(cli.out().contains("unpack_dequantize"), cli.out());
    }

    @Test
    void rejectsBadValuesWithTheAllowedOnes() {
        assertEquals(2, cli.run("quantizer-bench", "--bits", "9"));
        assertTrue(cli.err().contains("Invalid value for option '--bits': 9 (allowed: 1 to 8)"), cli.err());
        assertEquals(2, cli.run("quantizer-bench", "--bits", "2,0"));
        assertTrue(cli.err().contains("Invalid value for option '--bits': 0 (allowed: 1 to 8)"), cli.err());
        assertEquals(2, cli.run("quantizer-bench", "--shape", "32,0"));
        assertTrue(cli.err().contains("every dimension must be >= 1"), cli.err());
        assertEquals(2, cli.run("quantizer-bench", "--shape", "100000,100000"));
        assertTrue(cli.err().contains("too many elements"), cli.err());
        assertEquals(2, cli.run("quantizer-bench", "--iterations", "0"));
        assertEquals(2, cli.run("quantizer-bench", "--threads", "0"));
    }
}
