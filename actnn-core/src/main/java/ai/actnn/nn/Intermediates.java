package ai.actnn.nn;

import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Frees full-precision intermediates as soon as nothing needs them: an output of a Q-op that
 * only Q-ops consumed is released from the tape and closed. DJL otherwise keeps every
 * intermediate until the batch's manager closes (twice what autograd keeps on an MLP).
 */
public final class Intermediates {

    private Intermediates() {}

    /**
     * Returns whether a block records its inputs' use on the tape (so its consumers' gradients
     * flow through the tape, and the arrays it consumed may be closed).
     *
     * @param block the consumer
     * @return whether it is a Q-block
     */
    public static boolean isRecorded(Block block) {
        return block instanceof QBlock;
    }

    /**
     * Returns the name under which a container lists a child.
     *
     * @param block the child
     * @return the Q-layer's display name, else the class name (as DJL's containers do)
     */
    public static String displayName(Block block) {
        return block instanceof QLayer ? ((QLayer) block).displayName() : block.getClass().getSimpleName();
    }

    /**
     * Closes the arrays of {@code consumed} that were produced by Q-ops and are not passed on.
     *
     * @param tape the step's tape
     * @param consumed what the consumer received
     * @param keep arrays that must stay open (the consumer's outputs, the container's inputs)
     */
    public static void release(Tape tape, NDList consumed, Collection<NDList> keep) {
        Map<NDArray, Boolean> kept = new IdentityHashMap<>();
        for (NDList list : keep) {
            for (NDArray a : list) {
                kept.put(a, Boolean.TRUE);
            }
        }
        for (NDArray a : consumed) {
            if (!kept.containsKey(a) && tape.release(a)) {
                a.close();
            }
        }
    }
}
