package ai.actnn.nn.core;

import ai.actnn.autograd.Tape;
import ai.actnn.nn.QLayer;
import ai.actnn.policy.ActivationSite;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * Compresses the inputs of any block that has no dedicated Q-layer (lambdas, user blocks,
 * recurrent blocks...) and recomputes the block in backward to differentiate it: no block is left
 * uncompressed and no gradient is lost. Costs one more forward of the block per step.
 */
public final class QGeneric extends QLayer {

    /**
     * Wraps a block.
     *
     * @param original the block
     */
    public QGeneric(Block original) {
        super(original);
        this.site = new ActivationSite("QGeneric(" + describe(original) + ")", ActivationSite.Kind.OTHER, 1);
    }

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        List<Parameter> state = new ArrayList<>();
        for (Parameter p : original.getParameters().values()) {
            if (!p.requiresGradient() && p.isInitialized()) {
                state.add(p);
            }
        }
        RecomputeFunction f = new RecomputeFunction(
                displayName(), site, in -> original.forward(ps, in, true, params), state);
        return tape.apply(f, inputs);
    }

    @Override
    public String displayName() {
        return "QGeneric(" + describe(original) + ")";
    }

    private static String describe(Block block) {
        if (block instanceof ai.djl.nn.LambdaBlock) {
            return ((ai.djl.nn.LambdaBlock) block).getName();
        }
        return block.getClass().getSimpleName();
    }
}
