package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The arithmetic between children of DJL's composite blocks, recorded on the tape with backwards
 * that need no saved activation: broadcasting sums (residual connections, embedding sums) and
 * slices. Used by the Q-composites that re-implement DJL's transformer blocks.
 */
public final class RecordedOps {

    private RecordedOps() {}

    /**
     * Adds arrays with broadcasting and records the sum; the backward gives each input the
     * output gradient summed down to its shape.
     *
     * @param tape the step's tape
     * @param inputs two or more arrays
     * @return the sum
     */
    public static NDArray add(Tape tape, NDArray... inputs) {
        NDArray y;
        try (GradMode off = GradMode.disabled()) {
            y = inputs[0].add(inputs[1]);
            for (int i = 2; i < inputs.length; i++) {
                NDArray next = y.add(inputs[i]);
                y.close();
                y = next;
            }
        }
        Shape[] shapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].getShape();
        }
        NDList out = new NDList(y);
        tape.record(new AddOp(shapes), new NDList(inputs), out);
        return y;
    }

    /**
     * Computes {@code x.get(index).squeeze()} and records it; the backward scatters the gradient
     * into zeros of x's shape. Saves nothing but the shapes.
     *
     * @param tape the step's tape
     * @param x the array
     * @param index the index (a fixed selection, e.g. {@code ":,1,:"})
     * @return the selected, squeezed array
     */
    public static NDArray selectSqueezed(Tape tape, NDArray x, String index) {
        NDArray y;
        Shape selected;
        try (GradMode off = GradMode.disabled(); NDArray part = x.get(new NDIndex(index))) {
            selected = part.getShape();
            y = part.squeeze();
        }
        tape.record(new SelectOp(x.getShape(), index, selected), new NDList(x), new NDList(y));
        return y;
    }

    /**
     * Returns {@code y} in {@code like}'s data type (fp32 statistics promote fp16 activations),
     * closing {@code y} if it had to be converted.
     *
     * @param y an array
     * @param like the array whose type to take
     * @return y, or a converted copy
     */
    public static NDArray asTypeOf(NDArray y, NDArray like) {
        if (y.getDataType() == like.getDataType()) {
            return y;
        }
        NDArray converted = y.toType(like.getDataType(), false);
        y.close();
        return converted;
    }

    /**
     * Sums a gradient down to an input's shape (undoing broadcasting).
     *
     * @param grad the gradient of the broadcast result
     * @param shape the input's shape
     * @return the reduced gradient (a new array, or {@code grad} itself when the shapes match)
     */
    static NDArray reduceTo(NDArray grad, Shape shape) {
        Shape g = grad.getShape();
        if (g.equals(shape)) {
            return grad;
        }
        int lead = g.dimension() - shape.dimension();
        NDArray r = grad;
        if (lead > 0) {
            int[] axes = new int[lead];
            for (int i = 0; i < lead; i++) {
                axes[i] = i;
            }
            r = grad.sum(axes);
        }
        List<Integer> ones = new ArrayList<>();
        for (int k = 0; k < shape.dimension(); k++) {
            if (shape.get(k) == 1 && r.getShape().get(k) != 1) {
                ones.add(k);
            }
        }
        if (!ones.isEmpty()) {
            NDArray s = r.sum(ones.stream().mapToInt(Integer::intValue).toArray(), true);
            if (r != grad) {
                r.close();
            }
            r = s;
        }
        return r;
    }

    /** Backward of a broadcasting sum. */
    private static final class AddOp implements CompressedOp {
        private final Shape[] shapes;

        AddOp(Shape[] shapes) {
            this.shapes = shapes;
        }

        @Override
        public String name() {
            return "add";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDArray g = gradOutputs.singletonOrThrow();
            NDList dx = new NDList(shapes.length);
            for (int i = 0; i < shapes.length; i++) {
                // The same array for inputs of the output's shape: the tape routes aliases safely.
                dx.add(ctx.needsInputGradient(i) ? reduceTo(g, shapes[i]) : null);
            }
            return dx;
        }

        @Override
        public void close() {}
    }

    /** Backward of a fixed selection. */
    private static final class SelectOp implements CompressedOp {
        private final Shape input;
        private final String index;
        private final Shape selected;

        SelectOp(Shape input, String index, Shape selected) {
            this.input = input;
            this.index = index;
            this.selected = selected;
        }

        @Override
        public String name() {
            return "select";
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

        @Override
        public void close() {}
    }
}
