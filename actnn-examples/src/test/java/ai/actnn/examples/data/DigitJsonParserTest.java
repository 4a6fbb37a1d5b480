package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class DigitJsonParserTest {

    @Test
    void turnsIntensitiesBackIntoBytes() throws IOException {
        byte[] json = "{ \"data\": [0, 0.2, 1,\n 0.624 ]}".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(new byte[] {0, 51, (byte) 255, (byte) 159}, DigitJsonParser.parse(json, 2, "t"));
    }

    @Test
    void rejectsPartialImagesAndBadValues() {
        assertThrows(IOException.class,
                () -> DigitJsonParser.parse("{\"data\":[0,1,0]}".getBytes(StandardCharsets.US_ASCII), 2, "t"));
        assertThrows(IOException.class,
                () -> DigitJsonParser.parse("{\"data\":[0,1.5]}".getBytes(StandardCharsets.US_ASCII), 2, "t"));
        assertThrows(IOException.class,
                () -> DigitJsonParser.parse("{\"data\":[0,x]}".getBytes(StandardCharsets.US_ASCII), 2, "t"));
        assertThrows(IOException.class,
                () -> DigitJsonParser.parse("{\"data\":[0,1".getBytes(StandardCharsets.US_ASCII), 2, "t"));
    }
}
