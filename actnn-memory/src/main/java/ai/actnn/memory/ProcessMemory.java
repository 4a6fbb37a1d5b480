package ai.actnn.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory of this process as the Linux kernel counts it: the resident set size ({@code VmRSS})
 * and its high-water mark ({@code VmHWM}), read from {@code /proc/self/status}; the mark is reset by
 * writing {@code 5} to {@code /proc/self/clear_refs}.
 *
 * <p>On the CPU this is what ActNN measures with {@code torch.cuda.memory_allocated}: the bytes of
 * live tensors. It holds only if the JVM was started with the environment variable
 * {@code MALLOC_MMAP_THRESHOLD_=65536}: glibc then maps every allocation above 64 KiB separately
 * and unmaps it on free, so the resident set rises and falls with the tensors that libtorch
 * allocates. Without it, glibc keeps freed tensor memory in its heap arenas and the resident set
 * stays at its high-water mark. {@link #mallocTuned()} tells whether the variable is set, so that
 * callers can warn. {@link #minorFaults()} counts the page faults that first touches of newly
 * mapped memory cost, which tells whether a step reuses its memory or maps it anew.
 *
 * <pre>{@code
 * MemoryWindow window = ProcessMemory.openWindow();   // RSS before, peak reset
 * NDArray out = block.forward(...);
 * window.mark();                                      // RSS after the forward pass
 * collector.backward(loss); trainer.step();
 * MemoryMeasurement m = window.close();
 * m.retainedBytes();  // activation memory: RSS after forward - RSS before
 * m.peakBytes();      // VmHWM - RSS before
 * }</pre>
 *
 * <p>Only Linux is supported ({@link #isSupported()}); elsewhere the readers throw an {@link
 * UnsupportedOperationException} that says why. The Java heap counts too: keep it from growing
 * inside a window (a fixed {@code -Xms}, or no large Java allocations during the work).
 */
public final class ProcessMemory {

    private static final Logger logger = LoggerFactory.getLogger(ProcessMemory.class);

    /** The glibc environment variable that makes the resident set follow live tensor bytes. */
    public static final String MALLOC_ENV = "MALLOC_MMAP_THRESHOLD_";

    /** The value of {@link #MALLOC_ENV} that the measurements were verified with (64 KiB). */
    public static final long RECOMMENDED_MMAP_THRESHOLD = 65536;

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STAT = Path.of("/proc/self/stat");
    private static final AtomicBoolean RESET_WARNED = new AtomicBoolean();

    private ProcessMemory() {}

    /**
     * Returns whether this platform exposes the process memory counters (Linux with {@code /proc}).
     *
     * @return whether the readers work here
     */
    public static boolean isSupported() {
        return unsupportedReason() == null;
    }

    /**
     * Returns why process memory cannot be measured here, or {@code null} if it can.
     *
     * @return a sentence for users, or {@code null}
     */
    public static String unsupportedReason() {
        String os = System.getProperty("os.name", "unknown");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return "process memory is measured from /proc/self/status, which only Linux has (this is "
                    + os + ")";
        }
        if (!Files.isReadable(STATUS)) {
            return "process memory is measured from " + STATUS + ", which is not readable here";
        }
        return null;
    }

    /**
     * Returns the resident set size of this process ({@code VmRSS}).
     *
     * @return bytes resident in physical memory
     * @throws UnsupportedOperationException off Linux
     */
    public static long rssBytes() {
        return ProcStatus.fieldBytes(readStatus(), "VmRSS");
    }

    /**
     * Returns the high-water mark of the resident set since the process started or since the last
     * {@link #resetPeak()} ({@code VmHWM}).
     *
     * @return peak resident bytes
     * @throws UnsupportedOperationException off Linux
     */
    public static long peakBytes() {
        return ProcStatus.fieldBytes(readStatus(), "VmHWM");
    }

    /**
     * Returns the minor page faults of this process so far ({@code minflt} of {@code
     * /proc/self/stat}): first touches of memory the kernel had not yet backed. A step that allocates
     * freshly mapped memory faults once per 4 KiB page, which costs time on virtual machines; their
     * count per step tells whether the allocator reuses memory or maps it anew.
     *
     * @return the count since the process started
     * @throws UnsupportedOperationException off Linux
     */
    public static long minorFaults() {
        String stat = read(STAT);
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis,
        // where the state is field 3 and minflt field 10.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[7]);
    }

    /**
     * Reads the resident set and its high-water mark in one read of the status file.
     *
     * @return the current snapshot
     * @throws UnsupportedOperationException off Linux
     */
    public static MemorySnapshot snapshot() {
        String status = readStatus();
        return new MemorySnapshot(
                ProcStatus.fieldBytes(status, "VmRSS"), ProcStatus.fieldBytes(status, "VmHWM"));
    }

    /**
     * Resets the high-water mark to the current resident set by writing {@code 5} to {@code
     * /proc/self/clear_refs}. Kernels that refuse it (very old ones, some sandboxes) leave the mark
     * unchanged: the call then returns false and logs one warning per process.
     *
     * @return whether the mark was reset
     * @throws UnsupportedOperationException off Linux
     */
    public static boolean resetPeak() {
        requireSupported();
        try {
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | SecurityException e) {
            if (RESET_WARNED.compareAndSet(false, true)) {
                logger.warn(
                        "Cannot reset the peak resident set ({}): peak figures include earlier work",
                        e.getMessage());
            }
            return false;
        }
    }

    /**
     * Returns whether the JVM runs with {@code MALLOC_MMAP_THRESHOLD_} set to at most
     * {@link #RECOMMENDED_MMAP_THRESHOLD} bytes, so that the resident set follows live tensor bytes.
     *
     * @return whether glibc returns large freed blocks to the system at once
     */
    public static boolean mallocTuned() {
        String value = System.getenv(MALLOC_ENV);
        if (value == null) {
            return false;
        }
        try {
            long threshold = Long.parseLong(value.trim());
            return threshold > 0 && threshold <= RECOMMENDED_MMAP_THRESHOLD;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Returns a sentence to show when {@link #mallocTuned()} is false, or {@code null} when it is
     * true.
     *
     * @return the warning, or {@code null}
     */
    public static String mallocWarning() {
        if (mallocTuned()) {
            return null;
        }
        return "memory figures are unreliable: start the JVM with the environment variable "
                + MALLOC_ENV + "=" + RECOMMENDED_MMAP_THRESHOLD
                + " (now " + System.getenv(MALLOC_ENV) + ") so that freed tensors leave the resident set";
    }

    /**
     * Starts measuring: records the resident set and resets its high-water mark.
     *
     * @return the open window
     * @throws UnsupportedOperationException off Linux
     */
    public static MemoryWindow openWindow() {
        return MemoryWindow.open();
    }

    /**
     * Measures a piece of work that returns a result: the resident set before it, right after it,
     * and its peak.
     *
     * @param work the work to measure
     * @param <T> the result type of the work
     * @return the work's result with its measurement
     * @throws UnsupportedOperationException off Linux
     */
    public static <T> Measured<T> measureWithResult(Supplier<T> work) {
        MemoryWindow window = openWindow();
        T result = work.get();
        return new Measured<>(result, window.close());
    }

    /**
     * Measures a piece of work that returns nothing.
     *
     * @param work the work to measure
     * @return the measurement
     * @throws UnsupportedOperationException off Linux
     */
    public static MemoryMeasurement measure(Runnable work) {
        MemoryWindow window = openWindow();
        work.run();
        return window.close();
    }

    /**
     * Throws if process memory cannot be measured here.
     *
     * @throws UnsupportedOperationException with {@link #unsupportedReason()} as its message
     */
    public static void requireSupported() {
        String reason = unsupportedReason();
        if (reason != null) {
            throw new UnsupportedOperationException(reason);
        }
    }

    private static String readStatus() {
        return read(STATUS);
    }

    private static String read(Path file) {
        requireSupported();
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * The result of a measured piece of work.
     *
     * @param result what the work returned
     * @param memory its memory measurement
     * @param <T> the result type
     */
    public record Measured<T>(T result, MemoryMeasurement memory) {}
}
