package ai.actnn.examples.train;

import java.io.PrintStream;

/**
 * A one-line progress bar on standard error (standard output stays clean for tables and JSON). It
 * redraws in place on a terminal; when standard error is not a terminal it prints nothing, so logs
 * and CI output stay readable. Set {@code -Dactnn.progress=true|false} to force it on or off.
 */
public final class ConsoleProgress {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean enabled;
    private String message = "";
    private long max = 1;
    private int lastPermille = -1;
    private long lastDrawNanos;

    /** Creates a progress bar on {@code System.err}, enabled when a console is attached. */
    public ConsoleProgress() {
        this(System.err, enabledByDefault());
    }

    /**
     * Creates a progress bar.
     *
     * @param out where to draw
     * @param enabled whether to draw at all
     */
    public ConsoleProgress(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /**
     * Starts a new bar.
     *
     * @param message the label, e.g. "epoch 1/3"
     * @param max the number of steps
     */
    public void start(String message, long max) {
        this.message = message;
        this.max = Math.max(1, max);
        this.lastPermille = -1;
        update(0, "");
    }

    /**
     * Draws the bar at a step.
     *
     * @param done steps done
     * @param trailing text after the bar, e.g. "loss 0.31"
     */
    public void update(long done, String trailing) {
        if (!enabled) {
            return;
        }
        int permille = (int) Math.min(1000, done * 1000 / max);
        long now = System.nanoTime();
        if (permille == lastPermille || (permille < 1000 && now - lastDrawNanos < 100_000_000L)) {
            return; // at most ten redraws a second
        }
        lastPermille = permille;
        lastDrawNanos = now;
        int filled = permille * WIDTH / 1000;
        out.print("\r" + message + " [" + "=".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                + String.format("%3d%% %s", permille / 10, trailing) + "\u001b[K");
        out.flush();
    }

    /** Ends the bar, leaving the cursor on a new line. */
    public void end() {
        if (enabled && lastPermille >= 0) {
            out.print("\r\u001b[K");
            out.flush();
        }
    }

    private static boolean enabledByDefault() {
        String forced = System.getProperty("actnn.progress");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        return System.console() != null;
    }
}
