package ai.actnn.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class MediansTest {

    @Test
    void middleValueOrMeanOfTheMiddleTwo() {
        assertEquals(3, Medians.of(new long[] {9, 3, 1}));
        assertEquals(2.5, Medians.of(new long[] {4, 1, 3, 2}));
        assertEquals(0.25, Medians.of(List.of(0.5, 0.1, 0.2, 0.3)), 1e-12);
        assertEquals(7, Medians.of(List.of(7L)));
    }

    @Test
    void noValuesHaveNoMedian() {
        assertTrue(Double.isNaN(Medians.of(new long[0])));
        assertTrue(Double.isNaN(Medians.of(List.of())));
    }

    @Test
    void leavesItsInputAlone() {
        long[] values = {3, 1, 2};
        Medians.of(values);
        assertEquals(3, values[0]);
    }
}
