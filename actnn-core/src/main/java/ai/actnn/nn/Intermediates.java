package ai.actnn.nn;

import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

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
     * Returns the arrays of {@code current} that a container may release once a child has
     * consumed them: those it produced itself (not among its inputs) and inputs donated to it.
     *
     * @param current what the container passes to the child
     * @param inputs the container's inputs
     * @param given the inputs donated to the container ({@link Tape#takeDonations})
     * @return the container's own arrays among {@code current}
     */
    public static NDList owned(NDList current, NDList inputs, Set<NDArray> given) {
        NDList mine = new NDList();
        for (NDArray a : current) {
            if (given.contains(a) || !containsSame(inputs, a)) {
                mine.add(a);
            }
        }
        return mine;
    }

    /**
     * Calls a child with arrays donated to it ({@link Tape#donate}): a Q-container child releases
     * them as soon as its own first consumer is done with them, rather than after the whole
     * child. Marks the child did not take are cleared after the call.
     *
     * @param tape the step's tape
     * @param donated arrays the caller will not use after the call (except what the call returns)
     * @param call the child's forward
     * @return the child's outputs
     */
    public static NDList callDonating(Tape tape, NDList donated, Supplier<NDList> call) {
        if (donated.isEmpty()) {
            return call.get();
        }
        tape.donate(donated);
        try {
            return call.get();
        } finally {
            tape.withdraw(donated);
        }
    }

    /**
     * Returns the arrays of {@code arrays} that none of {@code lists} contains (by identity).
     *
     * @param arrays the candidates, in order
     * @param lists the lists to look in
     * @return the candidates found in none of them
     */
    public static NDList notIn(NDList arrays, Collection<NDList> lists) {
        NDList rest = new NDList();
        for (NDArray a : arrays) {
            boolean found = false;
            for (NDList list : lists) {
                found |= containsSame(list, a);
            }
            if (!found) {
                rest.add(a);
            }
        }
        return rest;
    }

    /**
     * Returns whether a list holds this very array (identity, not NDArray's content equality).
     *
     * @param list the list
     * @param array the array
     * @return whether {@code list} contains {@code array} itself
     */
    public static boolean containsSame(NDList list, NDArray array) {
        for (NDArray a : list) {
            if (a == array) {
                return true;
            }
        }
        return false;
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
