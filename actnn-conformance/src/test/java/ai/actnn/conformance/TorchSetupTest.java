package ai.actnn.conformance;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * actnn-core's test-jar listener (TorchSetupListener, registered in META-INF/services) runs for
 * this module too: oneDNN is off before any model is built (its convolution backward crashes
 * with SIGFPE on these CPUs).
 */
class TorchSetupTest {

    @Test
    void oneDnnIsOff() {
        assertFalse(Boolean.getBoolean("actnn.test.mkldnn") || ActNNAdapter.isOneDnnEnabled(), "oneDNN should be off in this module's tests");
    }
}
