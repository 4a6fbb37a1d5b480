package ai.actnn.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Random;

/** Checks {@link Half} against the table-based reference of {@link FormatReference}. */
class HalfTest {

    @Test
    void widensEveryHalfExactly() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.toFloat((short) h);
            if (FormatReference.isNaN16(h)) {
                assertTrue(Float.isNaN(f), "NaN " + Integer.toHexString(h));
            } else {
                assertEquals(FormatReference.value16(h), f, 0.0, "half " + Integer.toHexString(h));
                assertEquals(h >>> 15, Float.floatToRawIntBits(f) >>> 31, "sign of " + Integer.toHexString(h));
            }
        }
    }

    @Test
    void narrowsEveryHalfBackAndRoundsTiesToEven() {
        for (int h = 0; h < 65536; h++) {
            if (!FormatReference.isNaN16(h)) {
                assertEquals(h, Half.fromFloat(Half.toFloat((short) h)) & 0xFFFF, Integer.toHexString(h));
            }
        }
        // midpoints between neighbours and their float neighbours exercise the rounding of every binade
        for (int h = 0; h < 0x7C00; h++) {
            float a = (float) FormatReference.value16(h);
            float b = (float) FormatReference.value16(h + 1);
            float mid = (float) ((a + (double) b) / 2);
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid), -mid, -Math.nextUp(mid)}) {
                assertEquals(FormatReference.nearest16(f), Half.fromFloat(f) & 0xFFFF, "fromFloat(" + f + ")");
            }
        }
        assertEquals(0x7C00, Half.fromFloat(65520f) & 0xFFFF);
        assertEquals(0x7BFF, Half.fromFloat(Math.nextDown(65520f)) & 0xFFFF);
        assertEquals(0x7E00, Half.fromFloat(Float.NaN) & 0xFFFF);
        assertEquals(0x8000, Half.fromFloat(-0f) & 0xFFFF);
    }

    @Test
    void directedRoundingsMatchTheTable() {
        Random random = new Random(3);
        for (int k = 0; k < 200_000; k++) {
            float f = switch (k % 4) {
                case 0 -> (float) random.nextGaussian() * 10;
                case 1 -> Float.intBitsToFloat(random.nextInt()) ;
                case 2 -> (float) (random.nextGaussian() * 1e-5);
                default -> (float) (random.nextGaussian() * 70000);
            };
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            // values, not bits: -0 and +0 are both "the smallest half >= -1e-30" (the format only
            // rounds non-negative steps up and keeps a zero minimum as +0)
            assertEquals(FormatReference.value16(FormatReference.roundDown16(f)),
                    Half.toFloat(Half.roundDown(f)), 0.0, "roundDown(" + f + ")");
            assertEquals(FormatReference.value16(FormatReference.roundUp16(f)),
                    Half.toFloat(Half.roundUp(f)), 0.0, "roundUp(" + f + ")");
        }
        assertEquals(0xFC00, Half.roundDown(-65505f) & 0xFFFF, "below -65504 is -infinity");
        assertEquals(0x7BFF, Half.roundDown(1e6f) & 0xFFFF);
        assertEquals(0x7C00, Half.roundUp(65505f) & 0xFFFF);
        assertEquals(0x8001, Half.roundDown(-1e-30f) & 0xFFFF);
        assertEquals(0x0001, Half.roundUp(1e-30f) & 0xFFFF);
        assertEquals(0x0000, Half.roundUp(0f) & 0xFFFF);
    }

    @Test
    void directedRoundingsAreExactAcrossTheNormalRange() {
        // the fast path's range, [2^-14, 2^16), both signs, every 61st float (and its neighbours
        // at the ends): the result is the nearest half on the requested side
        for (int abs = 0x38800000 - 2; abs <= 0x47800000 + 2; abs += abs < 0x38800002 || abs > 0x477FFFF0 ? 1 : 61) {
            for (int sign : new int[] {0, 0x80000000}) {
                float f = Float.intBitsToFloat(abs | sign);
                short down = Half.roundDown(f);
                short up = Half.roundUp(f);
                assertTrue(Half.toFloat(down) <= f && Half.toFloat(Half.nextUp(down)) > f, "roundDown(" + f + ")");
                assertTrue(Half.toFloat(up) >= f && Half.toFloat(Half.nextDown(up)) < f, "roundUp(" + f + ")");
            }
        }
    }
}
