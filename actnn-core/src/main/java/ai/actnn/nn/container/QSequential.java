package ai.actnn.nn.container;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.Intermediates;
import ai.actnn.nn.QBlock;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * DJL's {@link SequentialBlock} whose children are Q-layers; in a compressed training step it
 * closes each intermediate as soon as the next child consumed it, so that only what the
 * backward needs (compressed) stays in memory. Saves the same parameter stream as a {@link
 * SequentialBlock}.
 */
public class QSequential extends SequentialBlock implements QBlock {

    /**
     * Creates an empty sequence.
     */
    public QSequential() {}

    /**
     * Creates the Q version of a sequence: same flags and input shapes, given converted children.
     *
     * @param original the sequence
     * @param children its children, converted
     */
    public QSequential(SequentialBlock original, List<Block> children) {
        setReturnIntermediate(original.isReturnIntermediate());
        for (Block child : children) {
            addChildBlock(Intermediates.displayName(child), child);
        }
        if (original.isInitialized()) {
            inputShapes = original.getInputShapes();
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        Tape tape = training ? Tape.current() : null;
        if (tape == null || isReturnIntermediate()) {
            return super.forwardInternal(parameterStore, inputs, training, params);
        }
        return forwardReleasing(tape, inputs, (child, in) -> child.forward(parameterStore, in, true, params));
    }

    /**
     * The forward with labels that DJL's trainer uses ({@code Trainer.forward(data, labels)}):
     * the same intermediate release as the forward without labels.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList data,
            NDList labels,
            PairList<String, Object> params) {
        Tape tape = Tape.current();
        if (tape == null || isReturnIntermediate()) {
            return super.forwardInternal(parameterStore, data, labels, params);
        }
        return forwardReleasing(tape, data, (child, in) -> child.forward(parameterStore, in, labels, params));
    }

    private NDList forwardReleasing(Tape tape, NDList inputs, BiFunction<Block, NDList, NDList> call) {
        // Inputs the caller donated are this sequence's to release, like its own intermediates.
        Set<NDArray> given = tape.takeDonations(inputs);
        NDList current = inputs;
        for (Block child : children.values()) {
            NDList in = current;
            if (Intermediates.isRecorded(child)) {
                NDList mine = Intermediates.owned(in, inputs, given);
                NDList next = Intermediates.callDonating(tape, mine, () -> call.apply(child, in));
                Intermediates.release(tape, mine, List.of(next));
                current = next;
            } else {
                current = call.apply(child, in);
            }
        }
        return current;
    }
}
