package ai.actnn.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.conformance.Case.Expect;
import ai.actnn.conformance.Case.Inputs;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Random compositions of the block families (dense: linear, activations, norms, dropout, joins;
 * convolutional: convolutions with random kernel, stride, dilation and groups, batch norm,
 * pooling, residual joins) at random shapes within bounds: converted at L0 they equal plain DJL,
 * at L3 they train finite and keep fewer bytes. Families with known bugs (ReLU6, generic max
 * pooling, sin/clip) are left to the catalogue, where they are tagged.
 *
 * <p>The seed is fixed so that CI runs are reproducible; drop it locally to explore further.
 */
class RandomCompositionTest {

    private static final String SECTION = "random compositions";
    private static final Stats DENSE = new Stats();
    private static final Stats CONV = new Stats();

    /** One layer of a dense composition. */
    enum DenseLayer { LINEAR, RELU, GELU, TANH, SIGMOID, SWISH, LEAKY_RELU, MISH, BATCH_NORM, LAYER_NORM, DROPOUT, JOIN_ADD, JOIN_CONCAT, JOIN_MUL, JOIN_ADD_RELU }

    /** One layer of a convolutional composition. */
    enum ConvLayer { CONV, BATCH_NORM, RELU, SWISH, MAX_POOL, AVG_POOL, RESIDUAL_ADD, RESIDUAL_ADD_RELU, CONCAT_BRANCHES }

    /** A dense composition. */
    record Dense(int batch, int features, int units, List<DenseLayer> layers) {}

    /** A convolutional composition; kernel, stride, dilation and groups per conv layer. */
    record Conv(int batch, int channels, int size, List<ConvLayer> layers, List<int[]> geometry) {
        @Override
        public String toString() {
            StringBuilder g = new StringBuilder();
            for (int[] a : geometry) {
                g.append(Arrays.toString(a));
            }
            return "Conv[batch=" + batch + ", channels=" + channels + ", size=" + size + ", layers=" + layers + ", k/s/d/groups=" + g + "]";
        }
    }

    @Provide
    Arbitrary<Dense> dense() {
        return Combinators.combine(
                        Arbitraries.integers().between(4, 8),
                        Arbitraries.integers().between(16, 64),
                        Arbitraries.integers().between(8, 48),
                        Arbitraries.of(DenseLayer.class).list().ofMinSize(1).ofMaxSize(5))
                .as(Dense::new);
    }

    @Provide
    Arbitrary<Conv> conv() {
        Arbitrary<int[]> geometry =
                Combinators.combine(
                                Arbitraries.of(1, 3),
                                Arbitraries.of(1, 2),
                                Arbitraries.of(1, 2),
                                Arbitraries.of(1, 2))
                        .as((k, s, d, g) -> new int[] {k, s, d, g});
        return Combinators.combine(
                        Arbitraries.integers().between(2, 4),
                        Arbitraries.of(4, 8),
                        Arbitraries.integers().between(8, 16),
                        Arbitraries.of(ConvLayer.class).list().ofMinSize(1).ofMaxSize(5),
                        geometry.list().ofSize(5))
                .as(Conv::new);
    }

    @Property(tries = 40, seed = "20240515")
    void denseCompositions(@ForAll("dense") Dense d) {
        check(DENSE, "dense " + d, () -> buildDense(d), Inputs.floats(new Shape(d.batch(), d.features())));
    }

    @Property(tries = 30, seed = "20240515")
    void convolutionalCompositions(@ForAll("conv") Conv c) {
        check(CONV, c.toString(), () -> buildConv(c), Inputs.floats(new Shape(c.batch(), c.channels(), c.size(), c.size())));
    }

    @AfterContainer
    static void writeRows() {
        DENSE.write("dense compositions (Linear, activations, BatchNorm, LayerNorm, Dropout, joins)");
        CONV.write("convolutional compositions (Conv2d k/stride/dilation/groups, BatchNorm, pooling, residual joins)");
    }

    private static void check(Stats stats, String name, java.util.function.Supplier<Block> block, Inputs inputs) {
        Case c = Case.of(SECTION, name, block, inputs, Expect.COMPOSED);
        Conformance.Measurement m = Conformance.measureQuietly(c);
        stats.add(m);
        assertTrue(m.passed(), () -> name + " (became " + m.became() + "): " + m.violations());
    }

    static Block buildDense(Dense d) {
        SequentialBlock seq = new SequentialBlock();
        seq.add(Linear.builder().setUnits(d.units()).build());
        for (DenseLayer layer : d.layers()) {
            switch (layer) {
                case LINEAR -> seq.add(Linear.builder().setUnits(d.units()).build());
                case RELU -> seq.add(Activation.reluBlock());
                case GELU -> seq.add(Activation::gelu);
                case TANH -> seq.add(Activation.tanhBlock());
                case SIGMOID -> seq.add(Activation::sigmoid);
                case SWISH -> seq.add(Activation.swishBlock(1f));
                case LEAKY_RELU -> seq.add(Activation.leakyReluBlock(0.1f));
                case MISH -> seq.add(Activation.mishBlock());
                case BATCH_NORM -> seq.add(BatchNorm.builder().build());
                case LAYER_NORM -> seq.add(LayerNorm.builder().build());
                case DROPOUT -> seq.add(Dropout.builder().optRate(0f).build());
                case JOIN_ADD -> seq.add(join(l -> new NDList(l.get(0).head().add(l.get(1).head())), Linear.builder().setUnits(d.units()).build()));
                case JOIN_CONCAT -> seq.add(join(l -> new NDList(l.get(0).head().concat(l.get(1).head(), 1)), Linear.builder().setUnits(d.units()).build()))
                        .add(Linear.builder().setUnits(d.units()).build());
                case JOIN_MUL -> seq.add(join(l -> new NDList(l.get(0).head().mul(l.get(1).head())), Linear.builder().setUnits(d.units()).build()));
                case JOIN_ADD_RELU -> seq.add(join(l -> new NDList(Activation.relu(l.get(0).head().add(l.get(1).head()))), Linear.builder().setUnits(d.units()).build()));
                default -> throw new IllegalStateException();
            }
        }
        seq.add(Linear.builder().setUnits(4).build());
        return seq;
    }

    private static Block join(java.util.function.Function<List<NDList>, NDList> f, Block branch) {
        return new ParallelBlock(f, Arrays.asList(branch, Blocks.identityBlock()));
    }

    static Block buildConv(Conv c) {
        SequentialBlock seq = new SequentialBlock();
        long size = c.size();
        int channels = c.channels();
        int g = 0;
        for (ConvLayer layer : c.layers()) {
            int[] geo = c.geometry().get(g++ % c.geometry().size());
            switch (layer) {
                case CONV -> {
                    int k = geo[0];
                    int stride = size >= 6 ? geo[1] : 1;
                    int dilation = k == 3 ? geo[2] : 1;
                    int pad = dilation * (k - 1) / 2;
                    int groups = geo[3];
                    seq.add(Conv2d.builder().setFilters(channels).setKernelShape(new Shape(k, k)).optStride(new Shape(stride, stride))
                            .optPadding(new Shape(pad, pad)).optDilation(new Shape(dilation, dilation)).optGroups(groups).build());
                    size = (size - 1) / stride + 1;
                }
                case BATCH_NORM -> seq.add(BatchNorm.builder().build());
                case RELU -> seq.add(Activation::relu);
                case SWISH -> seq.add(Activation.swishBlock(1f));
                case MAX_POOL -> {
                    if (size >= 4) {
                        seq.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
                        size /= 2;
                    }
                }
                case AVG_POOL -> {
                    if (size >= 4) {
                        seq.add(Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
                        size = (size - 1) / 2 + 1;
                    }
                }
                case RESIDUAL_ADD, RESIDUAL_ADD_RELU -> {
                    boolean relu = layer == ConvLayer.RESIDUAL_ADD_RELU;
                    Block branch = new SequentialBlock()
                            .add(Conv2d.builder().setFilters(channels).setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).build())
                            .add(BatchNorm.builder().build());
                    seq.add(join(l -> {
                        ai.djl.ndarray.NDArray sum = l.get(0).head().add(l.get(1).head());
                        return new NDList(relu ? Activation.relu(sum) : sum);
                    }, branch));
                }
                case CONCAT_BRANCHES -> {
                    seq.add(new ParallelBlock(
                            l -> new NDList(l.get(0).head().concat(l.get(1).head(), 1)),
                            Arrays.asList(
                                    Conv2d.builder().setFilters(channels / 2).setKernelShape(new Shape(1, 1)).build(),
                                    Conv2d.builder().setFilters(channels / 2).setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).build())));
                }
                default -> throw new IllegalStateException();
            }
        }
        seq.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(4).build());
        return seq;
    }

    /** Worst values over the tries of one property. */
    private static final class Stats {
        int tries;
        int failures;
        double worstL0;
        double worstL3;
        double worstRatio;
        double seconds;
        final List<String> failed = new ArrayList<>();

        synchronized void add(Conformance.Measurement m) {
            tries++;
            seconds += m.seconds();
            if (!m.passed()) {
                failures++;
                failed.add(m.became());
            }
            worstL0 = Math.max(worstL0, Double.isNaN(m.l0Error()) ? 0 : m.l0Error());
            worstL3 = Math.max(worstL3, Double.isNaN(m.l3Error()) ? 0 : m.l3Error());
            if (!Double.isNaN(m.bytesRatio())) {
                worstRatio = Math.max(worstRatio, m.bytesRatio());
            }
        }

        void write(String name) {
            if (tries > 0) {
                ConformanceTable.recordProperty(name, tries, worstL0, worstL3, worstRatio, failures, seconds);
            }
        }
    }
}
