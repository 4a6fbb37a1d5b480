package ai.actnn.internal;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * glibc's allocator settings for a training process, set once through {@code mallopt}: the heaps
 * that freed tensors leave empty stay mapped, so that the next step reuses their pages.
 *
 * <p>Why it exists: the engine frees activations and temporaries as soon as they are dead (that
 * is what keeps its peak low), so within one step the training thread's glibc heap empties and
 * fills again several times. With glibc's defaults an emptied secondary heap is unmapped at once
 * ({@code heap_trim}), and the next allocation maps a new one whose every page faults on first
 * touch: ResNet-18 at L0 faulted 10,000-14,000 pages a step (40-55 MB) against plain DJL's 180,
 * which on a virtual machine cost it about as much time as its convolutions. A top pad keeps
 * {@code heap_trim} from deleting heaps (it frees a heap only when the previous one has more than
 * the pad free), and setting it turns off glibc's dynamic thresholds, so these are set too, to the
 * values the dynamic ones reach at most: tensors up to 32 MiB come from the heaps (larger ones are
 * mapped as before), and a heap's top is returned to the system once more than 64 MiB of it is
 * free (with the pad alone, heap tops were still trimmed: 1,150 faults a step instead of 500).
 * Freed memory then stays in the process for the next allocations, up to the trim threshold per
 * heap, as PyTorch's caching allocator keeps GPU memory: on ResNet-18 at batch 32 the process's
 * peak resident set was about 48 MB higher at L3 and unchanged at L0 (docs/benchmarks.md).
 *
 * <p>Nothing is changed where the user chose these settings ({@code MALLOC_TOP_PAD_}, {@code
 * MALLOC_MMAP_THRESHOLD_}, {@code MALLOC_TRIM_THRESHOLD_}, {@code MALLOC_MMAP_MAX_} or a {@code
 * glibc.malloc} tunable in the environment; memory measurements set the threshold), where the
 * switch {@code -Dactnn.allocatorTuning=false} / {@code ACTNN_ALLOCATOR_TUNING=false} says so, or
 * off Linux with glibc.
 */
public final class GlibcAllocator {

    /** The system property of the switch. */
    public static final String PROPERTY = "actnn.allocatorTuning";

    /** The environment variable of the switch. */
    public static final String VARIABLE = "ACTNN_ALLOCATOR_TUNING";

    /** The top pad set: 32 MiB (8 MiB let heaps be deleted again on ResNet-18). */
    public static final int TOP_PAD_BYTES = 32 << 20;

    /** The mmap threshold set: 32 MiB, the largest that glibc's dynamic threshold reaches. */
    public static final int MMAP_THRESHOLD_BYTES = 32 << 20;

    /**
     * The trim threshold set: 64 MiB, the largest that glibc's dynamic one reaches (twice the mmap
     * threshold); a heap's free top beyond it is returned to the system.
     */
    public static final int TRIM_THRESHOLD_BYTES = 64 << 20;

    static final int M_TRIM_THRESHOLD = -1;
    static final int M_TOP_PAD = -2;
    static final int M_MMAP_THRESHOLD = -3;

    private static final String[] USER_TUNABLES = {
        "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_MAX_"
    };

    private static final Logger logger = LoggerFactory.getLogger(GlibcAllocator.class);

    private static boolean attempted;

    private GlibcAllocator() {}

    /**
     * Applies the settings once per process, unless {@link #reasonToSkip} finds a reason not to;
     * later calls do nothing.
     *
     * @return whether the settings are in effect because of a call of this method
     * @throws IllegalArgumentException if the switch has a value other than true or false
     */
    public static synchronized boolean applyOnce() {
        if (attempted) {
            return false;
        }
        Optional<String> skip = reasonToSkip(System::getProperty, System.getenv(), System.getProperty("os.name", ""));
        attempted = true;
        if (skip.isPresent()) {
            logger.debug("ActNN leaves glibc's allocator settings as they are: {}", skip.get());
            return false;
        }
        try {
            if (!mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                    || !mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
                    || !mallopt(M_TOP_PAD, TOP_PAD_BYTES)) {
                logger.warn("ActNN: glibc refused mallopt; freed heaps are unmapped as by default");
                return false;
            }
        } catch (UnsatisfiedLinkError e) {
            logger.debug("ActNN: no mallopt in this C library ({}); allocator settings unchanged", e.getMessage());
            return false;
        }
        logger.info("ActNN: glibc keeps emptied heaps mapped for reuse (top pad {} MiB, mmap threshold {} MiB,"
                        + " trim threshold {} MiB; -D{}=false keeps glibc's defaults)",
                TOP_PAD_BYTES >> 20, MMAP_THRESHOLD_BYTES >> 20, TRIM_THRESHOLD_BYTES >> 20, PROPERTY);
        return true;
    }

    /**
     * Returns why the settings must not be applied, or empty if they may.
     *
     * @param properties the system properties
     * @param environment the environment
     * @param osName the operating system's name
     * @return the reason, or empty
     * @throws IllegalArgumentException if the switch has a value other than true or false
     */
    static Optional<String> reasonToSkip(UnaryOperator<String> properties, Map<String, String> environment, String osName) {
        Optional<SettingLookup.Found> found = SettingLookup.find(PROPERTY, VARIABLE, properties, environment);
        if (found.isPresent()) {
            String v = found.get().value().trim().toLowerCase(Locale.ROOT);
            if (v.equals("false")) {
                return Optional.of(found.get().source() + "=false");
            }
            if (!v.equals("true")) {
                throw new IllegalArgumentException(found.get().describe() + ": expected true or false");
            }
        }
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.of("not Linux (" + osName + ")");
        }
        for (String tunable : USER_TUNABLES) {
            if (environment.containsKey(tunable)) {
                return Optional.of("the environment sets " + tunable);
            }
        }
        String tunables = environment.get("GLIBC_TUNABLES");
        if (tunables != null && tunables.contains("glibc.malloc.")) {
            return Optional.of("GLIBC_TUNABLES sets glibc.malloc tunables");
        }
        return Optional.empty();
    }

    /**
     * Calls glibc's {@code mallopt}.
     *
     * @param parameter the {@code M_*} parameter
     * @param value its value
     * @return whether glibc accepted it
     * @throws UnsatisfiedLinkError if the C library has no {@code mallopt} or is not glibc
     */
    static boolean mallopt(int parameter, int value) {
        NativeLibrary c = NativeLibrary.getInstance("c");
        // musl and other C libraries have no gnu_get_libc_version: only glibc's parameters are known
        c.getFunction("gnu_get_libc_version");
        Function mallopt = c.getFunction("mallopt");
        return mallopt.invokeInt(new Object[] {parameter, value}) == 1;
    }
}
