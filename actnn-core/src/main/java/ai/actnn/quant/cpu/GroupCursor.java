package ai.actnn.quant.cpu;

/**
 * Walks a range of groups in order. A group's sample and its place in the sample follow from its
 * index by a division; stepping them along instead keeps integer divisions (tens of cycles each,
 * several per group) out of the per-group work, which is a few hundred cycles in all.
 */
final class GroupCursor {

    private final Geometry geometry;
    private int sample;
    private int within;

    /**
     * Starts at a group.
     *
     * @param geometry where the groups lie
     * @param group the first group to visit
     */
    GroupCursor(Geometry geometry, int group) {
        this.geometry = geometry;
        this.sample = geometry.sample(group);
        this.within = group - sample * geometry.groupsPerSample;
    }

    /** Moves to the next group. */
    void next() {
        if (++within == geometry.groupsPerSample) {
            within = 0;
            sample++;
        }
    }

    /**
     * Returns the current group's sample.
     *
     * @return the sample index
     */
    int sample() {
        return sample;
    }

    /**
     * Returns the position of the current group's first element within its sample.
     *
     * @return {@code (group mod groupsPerSample) * groupSize}
     */
    long offsetInSample() {
        return (long) within * geometry.groupSize;
    }

    /**
     * Returns the row-major index of the current group's first element.
     *
     * @return the index
     */
    long firstElement() {
        return sample * geometry.features + offsetInSample();
    }

    /**
     * Returns the number of real elements of the current group (the last group of a sample may
     * be partial).
     *
     * @return the length
     */
    int length() {
        return (int) Math.min(geometry.groupSize, geometry.features - offsetInSample());
    }
}
