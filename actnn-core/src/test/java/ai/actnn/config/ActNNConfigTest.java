package ai.actnn.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.ActNN;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

class ActNNConfigTest {

    @Test
    void levelsAreCoherentPresets() {
        ActNNConfig c = ActNNConfig.builder().build();
        assertEquals(OptimizationLevel.L3, c.getLevel());
        assertArrayEquals(new int[] {2, 8, 8}, c.getActivationCompressionBits());
        assertTrue(c.isAdaptive());

        c = ActNNConfig.forLevel("L0");
        assertFalse(c.isCompressActivation());
        assertFalse(c.isAdaptive());

        c = ActNNConfig.forLevel("L1");
        assertArrayEquals(new int[] {4}, c.getActivationCompressionBits());
        assertFalse(c.isEnableQuantizedBn());
        assertFalse(c.isAdaptive());

        c = ActNNConfig.forLevel("l2");
        assertTrue(c.isEnableQuantizedBn());
        assertArrayEquals(new int[] {4}, c.getActivationCompressionBits());

        c = ActNNConfig.forLevel("L4");
        assertTrue(c.isSwap());
        assertArrayEquals(new int[] {2, 8, 8}, c.getActivationCompressionBits());
        // L5 adds only allocator tuning in ActNN, which DJL cannot reach: it is L4 here.
        ActNNConfig l5 = ActNNConfig.forLevel("L5");
        assertEquals(c.toBuilder().optLevel(OptimizationLevel.L5).build(), l5);
        assertTrue(l5.isSwap());
        c = ActNNConfig.forLevel("auto");
        assertEquals(OptimizationLevel.AUTO, c.getLevel());
        assertEquals(0.5, c.getErrorBound(), "AC-GC's released setting");
        assertFalse(c.isAdaptive());
    }

    @Test
    void settingALevelTwiceDoesNotStack() {
        ActNNConfig a = ActNNConfig.builder().optLevel("L1").optLevel("L3").build();
        ActNNConfig b = ActNNConfig.forLevel("L3");
        assertEquals(b, a);
        assertEquals(b.toString(), a.toString());
        ActNNConfig c = ActNNConfig.builder().optLevel("L5").optLevel("L2").build();
        assertFalse(c.isSwap());
    }

    @Test
    void seedBackendAndErrorBoundSurviveLevelChanges() {
        ActNNConfig c = ActNNConfig.builder()
                .optSeed(7)
                .optBackend(BackendChoice.CPU)
                .optErrorBound(0.2)
                .optLayerGroup("QLinear*", 1)
                .optLevel("L0")
                .optLevel("auto")
                .build();
        assertEquals(7, c.getSeed());
        assertEquals(BackendChoice.CPU, c.getBackend());
        assertEquals(0.2, c.getErrorBound());
        assertEquals(1, c.layerGroupOf("QLinear", 0));
    }

    @Test
    void configurationsAreImmutableAndDerivedCopiesAreIndependent() {
        ActNNConfig a = ActNNConfig.builder().build();
        int[] bits = a.getActivationCompressionBits();
        bits[0] = 8;
        assertArrayEquals(new int[] {2, 8, 8}, a.getActivationCompressionBits(), "the getter returns a copy");
        ActNNConfig b = a.toBuilder().optActivationCompressionBits(8).optSeed(3).build();
        assertArrayEquals(new int[] {2, 8, 8}, a.getActivationCompressionBits());
        assertEquals(0x5EED, a.getSeed());
        assertArrayEquals(new int[] {8}, b.getActivationCompressionBits());
        assertEquals(3, b.getSeed());
        assertNotEquals(a, b);
        int[] given = {2, 4};
        ActNNConfig c = ActNNConfig.builder().optActivationCompressionBits(given).build();
        given[0] = 8;
        assertArrayEquals(new int[] {2, 4}, c.getActivationCompressionBits(), "the builder copies its arguments");
    }

    @Test
    void layerGroupsComeFromRulesMatchedOnSiteNamesLaterRulesWinning() {
        ActNNConfig c = ActNNConfig.builder()
                .optActivationCompressionBits(2, 8, 4)
                .optLayerGroup("QConv2d*", 1)
                .optLayerGroup("QConv2d[3->16*", 2)
                .optLayerGroup("QAttention.?oftmax", 0)
                .build();
        assertEquals(0, c.layerGroupOf("QLinear", 0));
        assertEquals(1, c.layerGroupOf("QConv2d[16->32, 3x3]", 0));
        assertEquals(2, c.layerGroupOf("QConv2d[3->16, 3x3]", 0));
        assertEquals(0, c.layerGroupOf("QAttention.softmax", 1), "a rule overrides the site's default");
        assertEquals(1, c.layerGroupOf("QAttention.query", 1), "no rule: the site's default");
        assertEquals(8, c.getBits(c.layerGroupOf("QConv2d[16->32, 3x3]", 0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActNNConfig.builder().optLayerGroup("QLinear", -1));
        assertTrue(e.getMessage().contains("-1") && e.getMessage().contains("0 and above"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ActNNConfig.builder().optLayerGroup("", 1));
    }

    @Test
    void invalidValuesNameTheValueAndWhatIsAllowed() {
        ActNNConfig.Builder c = ActNNConfig.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.optLevel("L9"));
        assertTrue(e.getMessage().contains("'L9'") && e.getMessage().contains("L0, L1, L2, L3, L4, L5, auto"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.optActivationCompressionBits(2, 9));
        assertTrue(e.getMessage().contains("9") && e.getMessage().contains("[1, 2, 3, 4, 5, 6, 7, 8]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.optActivationCompressionBits(0));
        assertArrayEquals(new int[] {3, 5, 6, 7}, ActNNConfig.builder().optActivationCompressionBits(3, 5, 6, 7).build().getActivationCompressionBits());
        e = assertThrows(IllegalArgumentException.class, () -> c.optGroupSize(100));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.optGroupSize(0));
        assertThrows(IllegalArgumentException.class, () -> c.optInitialBits(16));
        assertThrows(IllegalArgumentException.class, () -> c.optErrorBound(-1));
        assertThrows(IllegalArgumentException.class, () -> c.optErrorBound(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.optAutoInterval(0));
        assertThrows(IllegalArgumentException.class, () -> c.optActivationCompressionBits());
        e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parse("tpu"));
        assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ActNN.setOptimizationLevel("fast"));
        e = assertThrows(IllegalArgumentException.class, () -> ActNN.setDefaultConfig(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
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
        Map<String, String> seed = new HashMap<>();
        seed.put("ACTNN_SEED", "x1");
        e = assertThrows(IllegalArgumentException.class, () -> ActNNConfig.fromSources(k -> null, seed));
        assertTrue(e.getMessage().startsWith("ACTNN_SEED=x1") && e.getMessage().contains("not an integer"), e.getMessage());
    }

    @Test
    void theDefaultConfigurationIsWhatNewTrainersTakeAndLevelsReplaceIt() {
        ActNNConfig before = ActNN.getDefaultConfig();
        try {
            ActNN.setDefaultConfig(ActNNConfig.forLevel("L3").toBuilder().optSeed(11).build());
            ActNN.setOptimizationLevel("L1");
            assertEquals(OptimizationLevel.L1, ActNN.getOptimizationLevel());
            assertEquals(11, ActNN.getDefaultConfig().getSeed(), "a level keeps the non-level fields");
        } finally {
            ActNN.setDefaultConfig(before);
        }
    }
}
