package ai.actnn.examples.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class LevelsTest {

    @Test
    void canonicalizesEveryLevel() {
        assertEquals(List.of("plain", "L0", "L3", "auto"), Levels.canonical(List.of("PLAIN", "l0", "L3", "Auto", "l3")));
        for (String level : Levels.ALL) {
            assertEquals(level, Levels.canonical(level));
        }
    }

    @Test
    void unknownLevelsListTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Levels.canonical("L9"));
        assertTrue(e.getMessage().contains("plain, L0, L1, L2, L3, L4, L5, auto"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Levels.canonical(List.of()));
    }
}
