package ai.actnn.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.examples.engine.EngineLevelSetup;
import ai.actnn.examples.report.JsonLineParser;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class QuantizerBenchCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.newCommandLine(new EngineLevelSetup());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void printsOneJsonLinePerOperation() {
        assertEquals(0, run("quantizer-bench", "--shape", "8,1024", "--bits", "2,4", "--iterations", "3",
                "--warmup", "1", "--threads", "1", "--json"), err.toString());
        String[] lines = out.toString().strip().split("\n");
        // copy, memcpy, then 2 bits: quantize, quantize nearest, dequantize; 4 bits: quantize, dequantize
        assertEquals(7, lines.length, out.toString());
        List<Map<String, Object>> parsed = java.util.Arrays.stream(lines).map(JsonLineParser::parse).toList();
        assertEquals("copy", parsed.get(0).get("op"));
        assertEquals("memcpy", parsed.get(1).get("op"));
        Map<String, Object> q2 = parsed.get(2);
        assertEquals("quantize_pack", q2.get("op"));
        assertEquals(2L, q2.get("bits"));
        assertEquals(List.of(8L, 1024L), q2.get("shape"));
        assertEquals(1L, q2.get("threads"));
        assertTrue(((Number) q2.get("packed_bytes")).longValue() < 8 * 1024 * 4 / 8, q2.toString());
        assertEquals("unpack_dequantize", parsed.get(6).get("op"));
        assertEquals(4L, parsed.get(6).get("bits"));
    }

    @Test
    void printsATableByDefault() {
        assertEquals(0, run("quantizer-bench", "--shape", "4,256", "--bits", "8", "--iterations", "1",
                "--warmup", "0"), err.toString());
        assertTrue(out.toString().startsWith("shape (4, 256)"), out.toString());
        assertTrue(out.toString().contains("unpack_dequantize"), out.toString());
    }

    @Test
    void rejectsBadValuesWithTheAllowedOnes() {
        assertEquals(2, run("quantizer-bench", "--bits", "3"));
        assertTrue(err.toString().contains("Invalid value for option '--bits': 3 (allowed: 1, 2, 4, 8)"), err.toString());
        assertEquals(2, run("quantizer-bench", "--shape", "32,0"));
        assertTrue(err.toString().contains("every dimension must be >= 1"), err.toString());
        assertEquals(2, run("quantizer-bench", "--shape", "100000,100000"));
        assertTrue(err.toString().contains("too many elements"), err.toString());
        assertEquals(2, run("quantizer-bench", "--iterations", "0"));
        assertEquals(2, run("quantizer-bench", "--threads", "0"));
    }
}
