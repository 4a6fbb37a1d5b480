package ai.actnn.conformance.logging;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.event.Level;

/**
 * What the library logged during the test run (INFO and above), in order: the suite checks that a
 * block falling back to a generic or uncompressed path is announced by a WARN naming it.
 */
public final class LogRecorder {

    /** One logged line. */
    public record Event(Level level, String logger, String message) {}

    private static final List<Event> EVENTS = new ArrayList<>();

    private LogRecorder() {}

    static synchronized void add(Event event) {
        EVENTS.add(event);
    }

    /**
     * Returns a mark: the position from which {@link #since(int)} lists events.
     *
     * @return the mark
     */
    public static synchronized int mark() {
        return EVENTS.size();
    }

    /**
     * Returns the events logged since a mark.
     *
     * @param mark a value of {@link #mark()}
     * @return the events, oldest first
     */
    public static synchronized List<Event> since(int mark) {
        return new ArrayList<>(EVENTS.subList(Math.min(mark, EVENTS.size()), EVENTS.size()));
    }
}
