package ai.actnn.quant.cpu;

/**
 * Step 1 and 2 of "Quantization of one group" ({@code docs/format.md}): each group's minimum and
 * maximum over its real elements, with non-finite groups marked by NaN.
 */
final class Analyzer implements Parallel.Body {

    private final Elements input;
    private final Geometry geometry;
    private final GroupKernel kernel;
    private final float[] mins;
    private final float[] maxs;

    /**
     * Prepares the analysis of one tensor.
     *
     * @param input the tensor's elements
     * @param geometry where its groups lie
     * @param kernel the arithmetic
     */
    Analyzer(Elements input, Geometry geometry, GroupKernel kernel) {
        this.input = input;
        this.geometry = geometry;
        this.kernel = kernel;
        this.mins = new float[geometry.groups];
        this.maxs = new float[geometry.groups];
    }

    /** {@inheritDoc} */
    @Override
    public void run(int from, int to) {
        Scratch scratch = Scratch.forThread(geometry.groupSize);
        GroupCursor at = new GroupCursor(geometry, from);
        for (int g = from; g < to; g++, at.next()) {
            int length = at.length();
            input.read(at.firstElement(), scratch.values, length, scratch);
            analyze(kernel, scratch.values, length, scratch.minMax, mins, maxs, g);
        }
    }

    /**
     * Computes one group's statistics and stores them: a finite group's minimum and maximum, with
     * -0 turned into +0 so that the record never depends on which zero came first, or NaN twice
     * for a group with a NaN, an infinity or a range that overflows.
     *
     * @param kernel the arithmetic
     * @param values the group's elements
     * @param length the number of real elements
     * @param minMax a scratch pair
     * @param mins receives the minimum
     * @param maxs receives the maximum
     * @param group the index to store at
     * @return whether the group is finite
     */
    static boolean analyze(
            GroupKernel kernel, float[] values, int length, float[] minMax, float[] mins, float[] maxs, int group) {
        kernel.minMax(values, length, minMax);
        float mn = minMax[0];
        float mx = minMax[1];
        // NaN or an infinity among the elements, or an overflowing range, make the difference
        // non-finite (see GroupKernel.minMax)
        if (Float.isFinite(mx - mn)) {
            mins[group] = mn + 0f;
            maxs[group] = mx + 0f;
            return true;
        }
        mins[group] = Float.NaN;
        maxs[group] = Float.NaN;
        return false;
    }

    /**
     * Returns the minima (NaN for non-finite groups).
     *
     * @return one per group
     */
    float[] mins() {
        return mins;
    }

    /**
     * Returns the maxima (NaN for non-finite groups).
     *
     * @return one per group
     */
    float[] maxs() {
        return maxs;
    }
}
