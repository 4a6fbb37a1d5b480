package ai.actnn.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.ActNN;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

class ActNNConfigTest {

    @Test
    void levelsAreCoherentPresets() {
        ActNNConfig c = new ActNNConfig();
        assertEquals(OptimizationLevel.L3, c.getLevel());
        assertArrayEquals(new int[] {2, 8, 8}, c.getActivationCompressionBits());
        assertTrue(c.isAdaptive());

        c.setLevel("L0");
        assertFalse(c.isCompressActivation());
        assertFalse(c.isAdaptive());

        c.setLevel("L1");
        assertArrayEquals(new int[] {4}, c.getActivationCompressionBits());
        assertFalse(c.isEnableQuantizedBn());
        assertFalse(c.isAdaptive());

        c.setLevel("l2");
        assertTrue(c.isEnableQuantizedBn());
        assertArrayEquals(new int[] {4}, c.getActivationCompressionBits());

        c.setLevel("L4");
        assertTrue(c.isSwap());
        assertArrayEquals(new int[] {2, 8, 8}, c.getActivationCompressionBits());
        c.setLevel("L5");
        assertTrue(c.isSwap() && c.isAllocatorTuning());
        c.setLevel("auto");
        assertEquals(OptimizationLevel.AUTO, c.getLevel());
        assertFalse(c.isAdaptive());
    }

    @Test
    void settingALevelTwiceDoesNotStack() {
        ActNNConfig a = new ActNNConfig().setLevel("L1").setLevel("L3");
        ActNNConfig b = new ActNNConfig().setLevel("L3");
        assertEquals(b.toString(), a.toString());
        ActNNConfig c = new ActNNConfig().setLevel("L5").setLevel("L2");
        assertFalse(c.isSwap());
        assertFalse(c.isAllocatorTuning());
    }

    @Test
    void seedBackendAndErrorBoundSurviveLevelChanges() {
        assertEquals(0.5, new ActNNConfig().setLevel("auto").getErrorBound(), "AC-GC's released setting");
        ActNNConfig c = new ActNNConfig().setSeed(7).setBackend(BackendChoice.CPU).setErrorBound(0.1);
        c.setLevel("L0").setLevel("auto");
        assertEquals(7, c.getSeed());
        assertEquals(BackendChoice.CPU, c.getBackend());
        assertEquals(0.1, c.getErrorBound());
    }

    @Test
    void invalidValuesNameTheValueAndWhatIsAllowed() {
        ActNNConfig c = new ActNNConfig();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.setLevel("L9"));
        assertTrue(e.getMessage().contains("'L9'") && e.getMessage().contains("L0, L1, L2, L3, L4, L5, auto"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.setActivationCompressionBits(2, 9));
        assertTrue(e.getMessage().contains("9") && e.getMessage().contains("[1, 2, 3, 4, 5, 6, 7, 8]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.setActivationCompressionBits(0));
        assertArrayEquals(new int[] {3, 5, 6, 7}, c.setActivationCompressionBits(3, 5, 6, 7).getActivationCompressionBits());
        e = assertThrows(IllegalArgumentException.class, () -> c.setGroupSize(100));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.setGroupSize(0));
        assertThrows(IllegalArgumentException.class, () -> c.setInitialBits(16));
        assertThrows(IllegalArgumentException.class, () -> c.setErrorBound(-1));
        assertThrows(IllegalArgumentException.class, () -> c.setErrorBound(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.setAutoInterval(0));
        assertThrows(IllegalArgumentException.class, () -> c.setActivationCompressionBits());
        e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parse("tpu"));
        assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ActNN.setOptimizationLevel("fast"));
    }

    @Test
    void readsPropertiesBeforeEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("ACTNN_LEVEL", "L1");
        env.put("ACTNN_SEED", "5");
        Map<String, String> props = new HashMap<>();
        props.put("actnn.level", "L2");
        props.put("actnn.bits", "8, 4");
        props.put("actnn.groupSize", "64");
        props.put("actnn.stochastic", "false");
        ActNNConfig c = ActNNConfig.fromSources(props::get, env);
        assertEquals(OptimizationLevel.L2, c.getLevel());
        assertArrayEquals(new int[] {8, 4}, c.getActivationCompressionBits());
        assertEquals(64, c.getGroupSize());
        assertEquals(5, c.getSeed());
        assertFalse(c.isStochastic());
        assertEquals(4, c.getBits(1));
        assertEquals(4, c.getBits(7));
    }

    @Test
    void badEnvironmentValuesNameTheVariable() {
        Map<String, String> env = new HashMap<>();
        env.put("ACTNN_BITS", "2,x");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ActNNConfig.fromSources(k -> null, env));
        assertTrue(e.getMessage().startsWith("ACTNN_BITS=2,x"), e.getMessage());
        Map<String, String> props = new HashMap<>();
        props.put("actnn.level", "L7");
        e = assertThrows(IllegalArgumentException.class, () -> ActNNConfig.fromSources(props::get, new HashMap<>()));
        assertTrue(e.getMessage().startsWith("-Dactnn.level=L7"), e.getMessage());
    }

    @Test
    void copiesAreIndependent() {
        ActNNConfig a = new ActNNConfig();
        ActNNConfig b = a.copy();
        a.setActivationCompressionBits(8).setSeed(3);
        assertArrayEquals(new int[] {2, 8, 8}, b.getActivationCompressionBits());
        assertEquals(0x5EED, b.getSeed());
    }
}
