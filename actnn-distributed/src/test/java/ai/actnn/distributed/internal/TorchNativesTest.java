package ai.actnn.distributed.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Distributed mode starts on DJL's CPU libtorch 2.7.1 and its bytedeco build only. */
class TorchNativesTest {

    @Test
    void onlyTheCheckedLibtorchIsAccepted() {
        assertDoesNotThrow(() -> TorchNatives.checkLibtorch("2.7.1", "2.7.1-20250812-cpu-linux-x86_64"));
        UnsupportedOperationException older = assertThrows(UnsupportedOperationException.class,
                () -> TorchNatives.checkLibtorch("2.5.1", "2.5.1-20241120-cpu-linux-x86_64"));
        assertTrue(older.getMessage().contains("PyTorch 2.5.1"), older.getMessage());
        UnsupportedOperationException cuda = assertThrows(UnsupportedOperationException.class,
                () -> TorchNatives.checkLibtorch("2.7.1", "2.7.1-20250812-cu126-linux-x86_64"));
        assertTrue(cuda.getMessage().contains("cu126"), cuda.getMessage());
        UnsupportedOperationException bytedeco = assertThrows(UnsupportedOperationException.class,
                () -> TorchNatives.checkBytedeco("2.10.0-1.5.13"));
        assertTrue(bytedeco.getMessage().contains("2.10.0-1.5.13"), bytedeco.getMessage());
    }

    @Test
    void theLoadedLibtorchPasses() {
        // This JVM's own: DJL 0.35.1 with pytorch-native-cpu 2.7.1, bytedeco 2.7.1-1.5.12.
        assertDoesNotThrow(TorchNatives::load);
    }
}
