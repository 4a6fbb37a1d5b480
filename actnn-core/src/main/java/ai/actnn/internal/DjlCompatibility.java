package ai.actnn.internal;

import ai.djl.engine.Engine;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one check, at the first conversion or training step, that DJL and PyTorch are the versions
 * this package was written against: everything here reaches into their internals (private
 * fields of DJL's blocks, DJL's native entry points, exported symbols of libtorch), which other
 * versions may lay out differently. Another version gets one WARN line naming both versions.
 */
public final class DjlCompatibility {

    /** The DJL version the internals were read from. */
    public static final String DJL_VERSION = "0.35.1";

    /** The PyTorch version of DJL's native library that the symbols were read from. */
    public static final String PYTORCH_VERSION = "2.7.1";

    private static final Logger logger = LoggerFactory.getLogger(DjlCompatibility.class);
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private DjlCompatibility() {}

    /** Checks the versions once per process. */
    public static void check() {
        if (!CHECKED.compareAndSet(false, true)) {
            return;
        }
        String djl = Engine.getDjlVersion();
        String torch = Engine.getEngine("PyTorch").getVersion();
        if (!DJL_VERSION.equals(djl) || !PYTORCH_VERSION.equals(torch)) {
            logger.warn(
                    "ActNN was built against DJL {} with PyTorch {} and runs with DJL {} and PyTorch {}: it reaches"
                            + " into their internals (ai.actnn.internal), which other versions may change",
                    DJL_VERSION,
                    PYTORCH_VERSION,
                    djl,
                    torch);
        } else {
            logger.debug("DJL {} with PyTorch {}", djl, torch);
        }
    }
}
