package ai.actnn.convert;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.internal.PoolOps;
import ai.actnn.nn.pool.PoolGeometry;
import ai.actnn.nn.pool.QAvgPool;
import ai.actnn.nn.pool.QGlobalMaxPool;
import ai.actnn.nn.pool.QMaxPool;
import ai.actnn.nn.pool.QMaxPool2d;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns DJL's pooling lambdas ({@code Pool.maxPool{1,2,3}dBlock(...)}, {@code
 * Pool.avgPool{1,2,3}dBlock(...)}, {@code Pool.globalMaxPool{1,2,3}dBlock()}) into Q-layers. Their window, stride and padding exist only as values the lambda captured: they
 * are read reflectively, then verified by running the lambda and the Q-layer's kernel on a probe
 * and comparing; any doubt leaves the block to the generic treatment.
 */
final class PoolingRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(PoolingRecognizer.class);

    private PoolingRecognizer() {}

    /**
     * Returns the Q-layer for a 2-D max pooling lambda, or null if it cannot be recognised.
     *
     * @param block the lambda block named "maxPool2d"
     * @return the Q-layer or null
     */
    static Block maxPool2d(LambdaBlock block) {
        PoolGeometry g = geometry(block, false);
        if (g == null || g.kernel().size() > QMaxPool2d.MAX_WINDOW) {
            return null;
        }
        boolean verified =
                verify(
                        block,
                        g,
                        x ->
                                PoolOps.maxPool2dWithOffsets(
                                                x, g.kernel(), g.stride(), g.padding(), g.ceilMode(), x.getManager())
                                        .get(0));
        return verified ? new QMaxPool2d(block, g) : null;
    }

    /**
     * Returns the Q-layer for a 1-D or 3-D max pooling lambda, or null if it cannot be recognised.
     *
     * @param block the lambda block named "maxPool1d" or "maxPool3d"
     * @param axes the pooled axes, 1 or 3
     * @return the Q-layer or null
     */
    static Block maxPool(LambdaBlock block, int axes) {
        PoolGeometry g = geometry(block, false);
        if (g == null || g.kernel().dimension() != axes || g.kernel().size() > QMaxPool.MAX_WINDOW) {
            return null;
        }
        boolean verified =
                verify(
                        block,
                        g,
                        x -> PoolOps.maxPoolWithOffsets(
                                        x, g.kernel(), g.stride(), g.padding(), g.ceilMode(), x.getManager())
                                .get(0));
        return verified ? new QMaxPool(block, g) : null;
    }

    /**
     * Returns the Q-layer for a global max pooling lambda, or null if it does not compute what
     * DJL's {@code globalMaxPool} computes on a probe of each rank it accepts.
     *
     * @param block the lambda block named "globalMaxPool1d", "globalMaxPool2d" or "globalMaxPool3d"
     * @param axes the pooled axes, 1 to 3
     * @return the Q-layer or null
     */
    static Block globalMaxPool(LambdaBlock block, int axes) {
        Shape shape = axes == 1 ? new Shape(2, 3, 9) : axes == 2 ? new Shape(2, 3, 7, 5) : new Shape(2, 3, 4, 5, 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(shape);
            NDArray expected =
                    block.forward(new ParameterStore(manager, false), new NDList(x), false, null).singletonOrThrow();
            NDArray actual = PoolOps.globalMaxPool(x, manager).get(0);
            boolean same = expected.getShape().equals(actual.getShape()) && expected.contentEquals(actual);
            return same ? new QGlobalMaxPool(block) : null;
        } catch (RuntimeException e) {
            logger.debug("global max pooling probe failed for {}", block, e);
            return null;
        }
    }

    /**
     * Returns the Q-layer for an average pooling lambda, or null if it cannot be recognised.
     *
     * @param block the lambda block named "avgPool1d", "avgPool2d" or "avgPool3d"
     * @param axes the pooled axes, 1 to 3
     * @return the Q-layer or null
     */
    static Block avgPool(LambdaBlock block, int axes) {
        PoolGeometry g = geometry(block, true);
        if (g == null || g.kernel().dimension() != axes) {
            return null;
        }
        // The backward must follow what the lambda computes (DJL's PyTorch engine ignores the
        // count-include-pad flag): check which reading of the captured flags reproduces it.
        PoolGeometry swapped =
                new PoolGeometry(g.kernel(), g.stride(), g.padding(), g.ceilMode(), !g.countIncludePad());
        for (PoolGeometry candidate : new PoolGeometry[] {g, swapped}) {
            boolean verified =
                    verify(
                            block,
                            candidate,
                            x -> PoolOps.avgPool(x, candidate.kernel(), candidate.stride(), candidate.padding(),
                                    candidate.ceilMode(), candidate.countIncludePad(), x.getManager()));
            if (verified) {
                return new QAvgPool(block, candidate);
            }
        }
        return null;
    }

    private static PoolGeometry geometry(LambdaBlock block, boolean average) {
        try {
            Object outer = BlockIntrospection.read(block, LambdaBlock.class, "lambda", Object.class);
            List<Object> captured = BlockIntrospection.capturedValues(outer);
            if (captured.size() != 1) {
                return null;
            }
            List<Shape> shapes = new ArrayList<>();
            List<Boolean> flags = new ArrayList<>();
            for (Object v : BlockIntrospection.capturedValues(captured.get(0))) {
                if (v instanceof Shape) {
                    shapes.add((Shape) v);
                } else if (v instanceof Boolean) {
                    flags.add((Boolean) v);
                }
            }
            int expectedFlags = average ? 2 : 1;
            if (shapes.size() != 3 || flags.size() != expectedFlags) {
                return null;
            }
            return new PoolGeometry(
                    shapes.get(0),
                    shapes.get(1),
                    shapes.get(2),
                    flags.get(0),
                    average && flags.get(1));
        } catch (RuntimeException e) {
            logger.debug("cannot read the pooling geometry of {}", block, e);
            return null;
        }
    }

    private static boolean verify(
            LambdaBlock block, PoolGeometry g, java.util.function.Function<NDArray, NDArray> kernel) {
        // A probe a few windows wide along each pooled axis, of odd and even sizes.
        long[] dims = new long[2 + g.kernel().dimension()];
        dims[0] = 2;
        dims[1] = 3;
        for (int i = 0; i < g.kernel().dimension(); i++) {
            dims[2 + i] = 2 * g.kernel().get(i) + 7 - 2 * (i % 2);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(dims));
            NDArray expected =
                    block.forward(new ParameterStore(manager, false), new NDList(x), false, null)
                            .singletonOrThrow();
            NDArray actual = kernel.apply(x);
            return expected.getShape().equals(actual.getShape()) && expected.allClose(actual, 1e-6, 1e-6, false);
        } catch (RuntimeException e) {
            logger.debug("pooling probe failed for {}", block, e);
            return false;
        }
    }
}
