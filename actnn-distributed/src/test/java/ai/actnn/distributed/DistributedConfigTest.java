package ai.actnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** torchrun's variables and ActNN's settings, and clear errors for values that do not fit. */
class DistributedConfigTest {

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void readsTorchrunVariables() {
        DistributedConfig c = DistributedConfig.fromEnvironment(env("MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29400",
                "RANK", "3", "WORLD_SIZE", "4", "LOCAL_RANK", "1", "ACTNN_DIST_TIMEOUT", "12",
                "ACTNN_DIST_INIT_TIMEOUT", "34", "ACTNN_DIST_BUCKET_MB", "5", "ACTNN_DIST_OVERLAP", "0",
                "GLOO_SOCKET_IFNAME", "eth1"));
        assertEquals("10.0.0.1", c.getMasterAddr());
        assertEquals(29400, c.getMasterPort());
        assertEquals(3, c.getRank());
        assertEquals(4, c.getWorldSize());
        assertEquals(1, c.getLocalRank());
        assertEquals(Duration.ofSeconds(12), c.getTimeout());
        assertEquals(Duration.ofSeconds(34), c.getInitTimeout());
        assertEquals(5L << 20, c.getBucketBytes());
        assertFalse(c.isOverlap());
        assertEquals("eth1", c.getSocketInterface());
    }

    @Test
    void badValuesAreNamed() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(
                env("MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "2", "WORLD_SIZE", "2")));
        assertTrue(range.getMessage().contains("RANK=2 does not fit WORLD_SIZE=2"), range.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> DistributedConfig.fromEnvironment(env("MASTER_ADDR", "h", "RANK", "0", "WORLD_SIZE", "2")));
        assertTrue(missing.getMessage().contains("MASTER_PORT"), missing.getMessage());
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(
                env("MASTER_ADDR", "h", "MASTER_PORT", "70000", "RANK", "0", "WORLD_SIZE", "2")));
        assertTrue(port.getMessage().contains("MASTER_PORT=70000"), port.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(
                env("MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "x", "WORLD_SIZE", "2")));
        assertTrue(text.getMessage().contains("RANK=x"), text.getMessage());
    }
}
