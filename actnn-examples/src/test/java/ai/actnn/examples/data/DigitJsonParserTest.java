package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

class DigitJsonParserTest {

    private static IOException failure(String json) {
        return assertThrows(IOException.class,
                () -> DigitJsonParser.parse(json.getBytes(StandardCharsets.US_ASCII), 2, "t"), json);
    }

    @Test
    void turnsIntensitiesBackIntoBytes() throws IOException {
        byte[] json = "{ \"other\": {\"x\": [1]}, \"data\": [0, 0.2, 1,\n 0.624 ]}".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(new byte[] {0, 51, (byte) 255, (byte) 159}, DigitJsonParser.parse(json, 2, "t"));
    }

    @Test
    void rejectsPartialImagesAndValuesOutsideTheUnitInterval() {
        assertEquals("t: 3 values is not a whole number of 2-pixel images", failure("{\"data\":[0,1,0]}").getMessage());
        assertEquals("t: value 1.5 at byte 11 is outside [0, 1]", failure("{\"data\":[0,1.5]}").getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"data\":[0,x]}", "{\"data\":[0,1", "{\"data\":[0,\"1\"]}", "{\"pixels\":[0,1]}",
        "{\"data\":3}", "[0,1]"})
    void rejectsFilesOfAnotherFormNamingTheFile(String json) {
        assertTrue(failure(json).getMessage().startsWith("t: "), failure(json).getMessage());
    }
}
