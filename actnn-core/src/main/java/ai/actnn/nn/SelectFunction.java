package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A fixed selection {@code x.get(index).squeeze()} (BERT's first-token pooling): saves only shapes;
 * the backward scatters the gradient into zeros of the input's shape.
 */
public final class SelectFunction implements QFunction {

    private final String index;
    private Shape input;
    private Shape selected;

    private SelectFunction(String index) {
        this.index = index;
    }

    /**
     * Selects and squeezes on a tape.
     *
     * @param tape the step's tape
     * @param x the array
     * @param index the index (a fixed selection, e.g. {@code ":,1,:"})
     * @return the selected, squeezed array
     */
    public static NDArray selectSqueezed(Tape tape, NDArray x, String index) {
        return tape.apply(new SelectFunction(index), new NDList(x)).singletonOrThrow();
    }

    @Override
    public String name() {
        return "select";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        NDArray x = inputs.singletonOrThrow();
        input = x.getShape();
        try (NDArray part = x.get(new NDIndex(index))) {
            selected = part.getShape();
            return new NDList(part.squeeze());
        }
    }

    @Override
    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
        if (!ctx.needsInputGradient(0)) {
            return new NDList((NDArray) null);
        }
        NDArray g = gradOutputs.singletonOrThrow();
        NDArray dx = ctx.getManager().zeros(input, g.getDataType(), g.getDevice());
        try (NDArray part = g.reshape(selected)) {
            dx.set(new NDIndex(index), part);
        }
        return new NDList(dx);
    }
}
