package ai.actnn.nn;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A broadcasting sum of two or more arrays (residual connections, embedding sums): saves only the
 * inputs' shapes; the backward gives each input the output gradient summed down to its shape.
 */
public final class AddFunction implements QFunction {

    private Shape[] shapes;

    /**
     * Adds arrays with broadcasting on a tape.
     *
     * @param tape the step's tape
     * @param inputs two or more arrays
     * @return the sum
     */
    public static NDArray add(Tape tape, NDArray... inputs) {
        return tape.apply(new AddFunction(), new NDList(inputs)).singletonOrThrow();
    }

    @Override
    public String name() {
        return "add";
    }

    @Override
    public NDList forward(ForwardContext ctx, NDList inputs) {
        shapes = new Shape[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            shapes[i] = inputs.get(i).getShape();
        }
        NDArray y = inputs.get(0).add(inputs.get(1));
        for (int i = 2; i < inputs.size(); i++) {
            NDArray next = y.add(inputs.get(i));
            y.close();
            y = next;
        }
        return new NDList(y);
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
}
