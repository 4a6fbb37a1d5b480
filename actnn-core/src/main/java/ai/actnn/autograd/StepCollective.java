package ai.actnn.autograd;

/**
 * The parties of one training step that compute statistics together: every split of the step's
 * batch in this process (each recorded on a tape of its own, possibly on another thread) and, in
 * data-parallel training, every process. A function that needs statistics over the whole batch
 * (synchronised batch normalisation) exchanges its per-split sums through its tape's collective.
 *
 * <p>Every party must make the same calls in the same order: a call returns when all parties
 * have made it, or throws (a party failed, or the exchange timed out).
 */
public interface StepCollective {

    /** The collective of a step that is the whole batch: sums are the party's own. */
    StepCollective SINGLE = new StepCollective() {
        @Override
        public int parties() {
            return 1;
        }

        @Override
        public double[] allReduceSum(double[] local) {
            return local.clone();
        }

        @Override
        public boolean claim(Object key) {
            return true;
        }
    };

    /**
     * Returns the number of parties (splits in all processes).
     *
     * @return the number of parties, at least 1
     */
    int parties();

    /**
     * Sums a vector over all parties. Blocks until every party contributed.
     *
     * @param local this party's values (not modified)
     * @return the element-wise sum over all parties, a new array
     * @throws IllegalStateException if another party failed or the exchange timed out
     */
    double[] allReduceSum(double[] local);

    /**
     * Claims a key for this step: true for the first party of this process that claims it in this
     * step, false for the others. For updates of state that the splits of a process share (the
     * running statistics of a batch normalisation whose splits run on one device), which must
     * happen once per step.
     *
     * @param key the state, compared by identity
     * @return whether this party claimed it first
     */
    boolean claim(Object key);
}
