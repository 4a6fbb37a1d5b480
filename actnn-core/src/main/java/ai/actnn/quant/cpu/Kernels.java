package ai.actnn.quant.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the group kernel once per JVM: the vector kernel when the incubating Vector API is
 * present ({@code --add-modules jdk.incubator.vector}) and compiles to 256-bit instructions here,
 * the scalar kernel otherwise. {@code -Dactnn.cpu.vector=false} forces the scalar kernel.
 */
final class Kernels {

    /** The system property that can turn the vector kernel off. */
    static final String VECTOR_PROPERTY = "actnn.cpu.vector";

    private static final Logger logger = LoggerFactory.getLogger(Kernels.class);
    private static final GroupKernel SCALAR = new ScalarKernel();
    private static final GroupKernel BEST = choose();

    private Kernels() {}

    /**
     * Returns the fastest kernel available in this JVM.
     *
     * @return the kernel
     */
    static GroupKernel best() {
        return BEST;
    }

    /**
     * Returns the plain-Java kernel.
     *
     * @return the scalar kernel
     */
    static GroupKernel scalar() {
        return SCALAR;
    }

    private static GroupKernel choose() {
        if (!Boolean.parseBoolean(System.getProperty(VECTOR_PROPERTY, "true"))) {
            logger.debug("ActNN CPU quantizer: scalar kernel (-D{}=false)", VECTOR_PROPERTY);
            return SCALAR;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            logger.info(
                    "ActNN CPU quantizer uses its scalar kernel: start the JVM with"
                            + " --add-modules jdk.incubator.vector for the faster vector kernel");
            return SCALAR;
        }
        try {
            if (VectorKernel.fastHere()) {
                logger.debug("ActNN CPU quantizer: vector kernel");
                return new VectorKernel();
            }
            logger.info("ActNN CPU quantizer uses its scalar kernel: this CPU has no 256-bit vectors");
        } catch (LinkageError e) {
            logger.info("ActNN CPU quantizer uses its scalar kernel: the Vector API failed to load ({})", e.toString());
        }
        return SCALAR;
    }
}
