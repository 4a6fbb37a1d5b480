package ai.actnn.testing;

import ai.actnn.internal.TorchBackends;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Turns PyTorch's oneDNN kernels off once per test JVM, before any test builds a model: plain DJL
 * and ActNN then run the same convolution kernels, and none of them hits oneDNN's SIGFPE on the
 * CPUs where its convolution backward divides by zero (docs/troubleshooting.md). Set {@code
 * -Dactnn.test.mkldnn=true} to keep oneDNN on.
 */
public final class TorchSetupListener implements LauncherSessionListener {

    /** {@inheritDoc} */
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (!Boolean.getBoolean("actnn.test.mkldnn")) {
            TorchBackends.setMkldnnEnabled(false);
        }
    }
}
