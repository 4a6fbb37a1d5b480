package ai.actnn.quant.cpu;

/**
 * The working arrays of one range of groups. The kernels copy a group's elements into plain Java
 * arrays with one bulk transfer and compute there: the JIT compiles loops over arrays to much
 * faster code than loops over buffer accessors. Sizes include slack so that vector kernels may
 * run whole vectors past a partial group's end.
 */
final class Scratch {

    /** Slack after each array: room for extra vectors past a partial group. */
    private static final int SLACK = 32;

    final float[] values;
    final float[] random;
    final byte[] codes;
    final byte[] packed;
    final short[] halves;
    final float[] minMax = new float[2];

    private static final ThreadLocal<Scratch> CACHE = new ThreadLocal<>();

    /**
     * Returns this thread's scratch for a group size, allocating it only when the size changes:
     * the kernels run a few ranges per call on long-lived threads, and fresh arrays per range
     * cost more (allocation and zeroing) than the work on a small tensor. Callers never hold two
     * at once, and every kernel writes what it later reads.
     *
     * @param groupSize the group size
     * @return the scratch
     */
    static Scratch forThread(int groupSize) {
        Scratch s = CACHE.get();
        if (s == null || s.values.length != groupSize) {
            s = new Scratch(groupSize);
            CACHE.set(s);
        }
        return s;
    }

    /**
     * Allocates the arrays for one group.
     *
     * @param groupSize the group size
     */
    Scratch(int groupSize) {
        values = new float[groupSize];
        random = new float[groupSize + SLACK];
        codes = new byte[groupSize];
        packed = new byte[groupSize + SLACK];
        halves = new short[groupSize];
    }
}
