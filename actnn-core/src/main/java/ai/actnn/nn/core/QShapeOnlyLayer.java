package ai.actnn.nn.core;

import ai.actnn.nn.QLayer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.autograd.Tape;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Base of the Q-layers whose backward needs only the input's shape (average pooling, reshapes):
 * they save nothing but the shape.
 */
public abstract class QShapeOnlyLayer extends QLayer {

    public QShapeOnlyLayer(Block original) {
        super(original);
    }

    /**
     * Computes dL/dx from dL/dy.
     *
     * @param grad dL/dy
     * @param inputShape the shape of x
     * @param manager the owner of the result
     * @return dL/dx
     */
    protected abstract NDArray backward(NDArray grad, Shape inputShape, NDManager manager);

    @Override
    protected NDList forwardRecorded(
            Tape tape, ParameterStore ps, NDList inputs, PairList<String, Object> params) {
        Shape shape = inputs.singletonOrThrow().getShape();
        NDList out;
        try (GradMode off = GradMode.disabled()) {
            out = original.forward(ps, inputs, true, params);
        }
        if (out.singletonOrThrow() == inputs.singletonOrThrow()) {
            // A reshape to the same shape may return its input: make it a distinct handle.
            out = new NDList(inputs.singletonOrThrow().stopGradient());
        }
        tape.record(
                new CompressedOp() {
                    @Override
                    public String name() {
                        return QShapeOnlyLayer.this.getClass().getSimpleName();
                    }

                    @Override
                    public NDList backward(BackwardContext ctx, NDList gradOutputs) {
                        if (!ctx.needsInputGradient(0)) {
                            return new NDList((NDArray) null);
                        }
                        return new NDList(
                                QShapeOnlyLayer.this.backward(
                                        gradOutputs.singletonOrThrow(), shape, ctx.getManager()));
                    }

                    @Override
                    public void close() {}
                },
                inputs,
                out);
        return out;
    }
}
