package ai.actnn.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/** Blocks written the way users write them: extending AbstractBlock, calling children from forwardInternal. */
final class UserBlocks {

    private UserBlocks() {}

    /** {@code second(relu(first(x))) + x}, children in fields typed {@link Block}. */
    static final class Residual extends AbstractBlock {
        private Block first;
        private Block second;

        Residual(Block first, Block second) {
            this.first = addChildBlock("first", first);
            this.second = addChildBlock("second", second);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray h = first.forward(ps, new NDList(x), training).singletonOrThrow();
            NDArray y = second.forward(ps, new NDList(Activation.relu(h)), training).singletonOrThrow();
            return new NDList(y.add(x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            first.initialize(manager, dataType, inputShapes);
            second.initialize(manager, dataType, first.getOutputShapes(inputShapes));
        }
    }

    /** A child in a field of a concrete DJL type: the converter cannot put a Q-layer there. */
    static final class ConcreteField extends AbstractBlock {
        private Linear linear;

        ConcreteField(int units) {
            this.linear = addChildBlock("linear", Linear.builder().setUnits(units).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray y = linear.forward(ps, inputs, training).singletonOrThrow();
            return new NDList(y.tanh());
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return linear.getOutputShapes(inputShapes);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            linear.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * Children kept in a {@code List<Block>} field and called from it, as DJL's
     * SingleShotDetection and TabNet do.
     */
    static final class ListField extends AbstractBlock {
        private final List<Block> layers = new ArrayList<>();

        ListField(Block... blocks) {
            int i = 0;
            for (Block b : blocks) {
                layers.add(addChildBlock("layer" + i++, b));
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDList current = inputs;
            for (Block b : layers) {
                current = b.forward(ps, current, training);
            }
            return current;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : layers) {
                shapes = b.getOutputShapes(shapes);
            }
            return shapes;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : layers) {
                b.initialize(manager, dataType, shapes);
                shapes = b.getOutputShapes(shapes);
            }
        }
    }

    /** Two inputs, two children, a product of their outputs and a second output. */
    static final class TwoInputs extends AbstractBlock {
        private Block left;
        private Block right;

        TwoInputs(Block left, Block right) {
            this.left = addChildBlock("left", left);
            this.right = addChildBlock("right", right);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray a = left.forward(ps, new NDList(inputs.get(0)), training).singletonOrThrow();
            NDArray b = right.forward(ps, new NDList(inputs.get(1)), training).singletonOrThrow();
            return new NDList(a.mul(b), a.sub(b));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = left.getOutputShapes(new Shape[] {inputShapes[0]})[0];
            return new Shape[] {s, s};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            left.initialize(manager, dataType, inputShapes[0]);
            right.initialize(manager, dataType, inputShapes[1]);
        }
    }
}
