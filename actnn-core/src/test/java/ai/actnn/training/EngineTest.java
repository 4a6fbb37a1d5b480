package ai.actnn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.ActNN;
import ai.actnn.QModule;
import ai.actnn.autograd.Tape;
import ai.actnn.config.ActNNConfig;
import ai.actnn.config.OptimizationLevel;
import ai.actnn.testing.GradientHarness;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/** The training engine's contract: integration with DJL, state, failures, threads. */
class EngineTest {

    private static SequentialBlock cnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).optPadding(new Shape(1, 1)).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(5).build());
    }

    private static DefaultTrainingConfig config() {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
    }

    private static ActNNTrainer trainer(Model model, ActNNConfig c) {
        return new ActNNTrainer(model, config(), c);
    }

    private static float[] flatParameters(Block block) {
        List<Float> values = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            for (float f : p.getValue().getArray().toFloatArray()) {
                values.add(f);
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    @Test
    void convertedModelUnderPlainTrainerHasExactGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = cnn();
            Model plain = Model.newInstance("plain");
            plain.setBlock(net);
            Trainer t = plain.newTrainer(config());
            t.initialize(new Shape(4, 3, 8, 8));
            NDArray x = m.randomNormal(new Shape(4, 3, 8, 8));
            NDArray y = m.create(new float[] {0, 1, 2, 3});
            float[] exact = gradients(t, net, x, y);
            Model q = Model.newInstance("q");
            Block converted = QModule.convert(net);
            q.setBlock(converted);
            Trainer plainOnConverted = q.newTrainer(config());
            float[] got = gradients(plainOnConverted, net, x, y);
            assertArrayEquals(exact, got, 1e-6f);
            plainOnConverted.close();
            t.close();
        }
    }

    private static float[] gradients(Trainer t, Block net, NDArray x, NDArray y) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (a.hasGradient()) {
                a.getGradient().subi(a.getGradient());
            }
        }
        try (GradientCollector gc = t.newGradientCollector()) {
            NDArray out = t.forward(new NDList(x)).singletonOrThrow();
            gc.backward(t.getLoss().evaluate(new NDList(y), new NDList(out)));
        }
        List<Float> g = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getValue().requiresGradient()) {
                for (float f : p.getValue().getArray().getGradient().toFloatArray()) {
                    g.add(f);
                }
            }
        }
        float[] out = new float[g.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = g.get(i);
        }
        return out;
    }

    @Test
    void batchNormRunningStatisticsMatchDjl() {
        for (String level : new String[] {"L0", "L3"}) {
            try (NDManager m = NDManager.newBaseManager()) {
                BatchNorm bn = (BatchNorm) BatchNorm.builder().optMomentum(0.7f).build();
                Block net = new SequentialBlock().add(bn).add(Blocks.batchFlattenBlock());
                Model plain = Model.newInstance("plain");
                plain.setBlock(net);
                Trainer t = plain.newTrainer(config());
                t.initialize(new Shape(8, 3, 4, 4));
                NDArray x = m.randomNormal(new Shape(8, 3, 4, 4)).mul(3).add(1);
                NDArray y = m.zeros(new Shape(8));
                float[] mean0 = bn.getParameters().get("runningMean").getArray().toFloatArray();
                float[] var0 = bn.getParameters().get("runningVar").getArray().toFloatArray();
                gradients(t, net, x, y);
                float[] meanDjl = bn.getParameters().get("runningMean").getArray().toFloatArray();
                float[] varDjl = bn.getParameters().get("runningVar").getArray().toFloatArray();
                bn.getParameters().get("runningMean").getArray().set(mean0);
                bn.getParameters().get("runningVar").getArray().set(var0);
                Model q = Model.newInstance("q");
                q.setBlock(QModule.convert(net));
                ActNNTrainer qt = trainer(q, ActNNConfig.builder().optLevel(level).build());
                gradients(qt, net, x, y);
                assertArrayEquals(meanDjl, bn.getParameters().get("runningMean").getArray().toFloatArray(), 1e-6f, level);
                assertArrayEquals(varDjl, bn.getParameters().get("runningVar").getArray().toFloatArray(), 1e-5f, level);
                qt.close();
                t.close();
            }
        }
    }

    @Test
    void parameterFilesAreInterchangeable() throws Exception {
        Block net = cnn();
        Model plain = Model.newInstance("plain");
        plain.setBlock(net);
        plain.getBlock().initialize(plain.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(2, 3, 8, 8));
        Block converted = QModule.convert(net);
        ByteArrayOutputStream fromConverted = new ByteArrayOutputStream();
        converted.saveParameters(new DataOutputStream(fromConverted));
        ByteArrayOutputStream fromPlain = new ByteArrayOutputStream();
        net.saveParameters(new DataOutputStream(fromPlain));
        assertArrayEquals(fromPlain.toByteArray(), fromConverted.toByteArray());

        Block fresh = cnn();
        Model other = Model.newInstance("other");
        other.setBlock(fresh);
        fresh.loadParameters(other.getNDManager(), new DataInputStream(new ByteArrayInputStream(fromConverted.toByteArray())));
        assertArrayEquals(flatParameters(net), flatParameters(fresh));

        Block freshConverted = QModule.convert(cnn());
        Model third = Model.newInstance("third");
        third.setBlock(freshConverted);
        freshConverted.loadParameters(third.getNDManager(), new DataInputStream(new ByteArrayInputStream(fromPlain.toByteArray())));
        assertArrayEquals(flatParameters(net), flatParameters(freshConverted));
        plain.close();
        other.close();
        third.close();
    }

    @Test
    void inferenceIsIdenticalToTheOriginal() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = cnn();
            Model plain = Model.newInstance("plain");
            plain.setBlock(net);
            net.initialize(plain.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(2, 3, 8, 8));
            NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
            ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(m, false);
            NDArray a = net.forward(ps, new NDList(x), false).singletonOrThrow();
            NDArray b = QModule.convert(net).forward(ps, new NDList(x), false).singletonOrThrow();
            assertTrue(a.contentEquals(b));
            plain.close();
        }
    }

    @Test
    void gradientsAccumulateOverSeveralBackwardsInOneCollector() {
        ActNNConfig c = ActNNConfig.builder().optLevel("L0").build();
        try (GradientHarness h = new GradientHarness(cnn(), new Shape(4, 3, 8, 8), c)) {
            NDArray x1 = h.manager().randomNormal(new Shape(4, 3, 8, 8));
            NDArray x2 = h.manager().randomNormal(new Shape(4, 3, 8, 8));
            Map<String, NDArray> g1 = h.exactGradients(x1);
            Map<String, NDArray> g2 = h.exactGradients(x2);
            ActNNTrainer t = h.compressedTrainer();
            for (Pair<String, Parameter> p : h.converted().getParameters()) {
                NDArray a = p.getValue().getArray();
                if (a.hasGradient()) {
                    a.getGradient().subi(a.getGradient());
                }
            }
            try (GradientCollector gc = t.newGradientCollector()) {
                for (NDArray x : new NDArray[] {x1, x2}) {
                    NDArray out = t.forward(new NDList(x)).singletonOrThrow();
                    gc.backward(out.sum());
                }
            }
            Map<String, NDArray> accumulated = new java.util.HashMap<>();
            for (Pair<String, Parameter> p : h.converted().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    NDArray g = p.getValue().getArray().getGradient().duplicate();
                    g.attach(h.manager());
                    accumulated.put(p.getKey(), g);
                }
            }
            // Compare with the sum of two separate exact steps of the same loss (sum of outputs).
            Map<String, NDArray> s1 = sumLossGradients(h, x1);
            Map<String, NDArray> s2 = sumLossGradients(h, x2);
            for (Pair<String, Parameter> p : h.converted().getParameters()) {
                if (!p.getValue().requiresGradient()) {
                    continue;
                }
                NDArray expected = s1.get(p.getKey()).add(s2.get(p.getKey()));
                NDArray got = accumulated.get(p.getKey());
                double err = GradientHarness.relativeError(got, expected);
                assertTrue(err < 1e-5 || expected.abs().max().getFloat() < 1e-6, p.getKey() + " " + err);
            }
            assertTrue(g1.size() > 0 && g2.size() > 0);
        }
    }

    private static Map<String, NDArray> sumLossGradients(GradientHarness h, NDArray x) {
        ActNNTrainer t = h.compressedTrainer();
        for (Pair<String, Parameter> p : h.converted().getParameters()) {
            NDArray a = p.getValue().getArray();
            if (a.hasGradient()) {
                a.getGradient().subi(a.getGradient());
            }
        }
        try (GradientCollector gc = t.newGradientCollector()) {
            gc.backward(t.forward(new NDList(x)).singletonOrThrow().sum());
        }
        Map<String, NDArray> out = new java.util.HashMap<>();
        for (Pair<String, Parameter> p : h.converted().getParameters()) {
            if (p.getValue().requiresGradient()) {
                NDArray g = p.getValue().getArray().getGradient().duplicate();
                g.attach(h.manager());
                out.put(p.getKey(), g);
            }
        }
        return out;
    }

    @Test
    void failureInForwardOrBackwardLeavesNothingBehind() {
        AtomicBoolean failForward = new AtomicBoolean();
        AtomicBoolean failBackward = new AtomicBoolean();
        AtomicBoolean inForward = new AtomicBoolean(true);
        Block net =
                cnn().add(
                        LambdaBlock.singleton(
                                x -> {
                                    if (failForward.get() || (failBackward.get() && !inForward.get())) {
                                        throw new IllegalStateException("injected failure");
                                    }
                                    // Not element-wise (the mean): recomputed in backward.
                                    return x.mul(x).add(x.mean());
                                },
                                "square plus mean"));
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = Model.newInstance("q");
            model.setBlock(QModule.convert(net));
            ActNNTrainer t = trainer(model, ActNNConfig.builder().optLevel("L3").build());
            t.initialize(new Shape(4, 3, 8, 8));
            NDArray x = m.randomNormal(new Shape(4, 3, 8, 8));
            NDArray y = m.create(new float[] {0, 1, 2, 3});
            step(t, x, y, inForward);
            int arrays = ((ai.djl.ndarray.BaseNDManager) t.getManager()).getManagedArrays().size();

            failForward.set(true);
            assertThrows(IllegalStateException.class, () -> step(t, x, y, inForward));
            assertNull(Tape.current());
            failForward.set(false);

            failBackward.set(true);
            assertThrows(IllegalStateException.class, () -> step(t, x, y, inForward));
            assertNull(Tape.current());
            failBackward.set(false);

            assertEquals(arrays, ((ai.djl.ndarray.BaseNDManager) t.getManager()).getManagedArrays().size());
            step(t, x, y, inForward); // the next step works
            assertEquals(arrays, ((ai.djl.ndarray.BaseNDManager) t.getManager()).getManagedArrays().size());
            t.close();
            model.close();
        }
    }

    private static void step(Trainer t, NDArray x, NDArray y, AtomicBoolean inForward) {
        try (NDManager batch = x.getManager().newSubManager()) {
            try (GradientCollector gc = t.newGradientCollector()) {
                inForward.set(true);
                NDArray out = t.forward(new NDList(x)).singletonOrThrow();
                NDArray loss = t.getLoss().evaluate(new NDList(y), new NDList(out));
                inForward.set(false);
                gc.backward(loss);
            }
            t.step();
            batch.close();
        }
    }

    @Test
    void twoTrainersAtTwoLevelsInTwoThreadsEachTrainAsAlone() throws Exception {
        float[] aloneL0 = trainFewSteps(11, "L0");
        float[] aloneL3 = trainFewSteps(11, "L3");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<float[]> a = pool.submit(() -> trainFewSteps(11, "L0"));
            Future<float[]> b = pool.submit(() -> trainFewSteps(11, "L3"));
            assertArrayEquals(aloneL0, a.get(), 1e-5f);
            assertArrayEquals(aloneL3, b.get(), 1e-5f);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(distance(aloneL0, aloneL3) > 0, "the two levels train differently");
    }

    @Test
    void aTrainerKeepsTheLevelItWasCreatedWith() {
        ActNNConfig before = ActNN.getDefaultConfig();
        try (Model model = Model.newInstance("kept")) {
            model.setBlock(QModule.convert(cnn()));
            ActNN.setOptimizationLevel("L0");
            ActNNTrainer trainer = ActNN.newTrainer(model, config());
            ActNN.setOptimizationLevel("L3");
            assertEquals(OptimizationLevel.L0, trainer.getActNNConfig().getLevel());
            trainer.initialize(new Shape(4, 3, 8, 8));
            try (NDManager m = NDManager.newBaseManager()) {
                step(trainer, m.randomNormal(new Shape(4, 3, 8, 8)), m.create(new float[] {0, 1, 2, 3}), new AtomicBoolean());
            }
            assertTrue(trainer.getCompression().lastStep().averageBits() >= 16, "still exact after the default changed");
            trainer.close();
        } finally {
            ActNN.setDefaultConfig(before);
        }
    }

    private static double distance(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Math.abs(a[i] - b[i]);
        }
        return d;
    }

    private static float[] trainFewSteps(int seed, String level) {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = cnn();
            Model model = Model.newInstance("t" + Thread.currentThread().getId());
            model.setBlock(QModule.convert(net));
            ActNNConfig c = ActNNConfig.builder().optLevel(level).optSeed(seed).build();
            ActNNTrainer t = trainer(model, c);
            t.initialize(new Shape(4, 3, 8, 8));
            // Deterministic initial parameters, whatever the thread.
            java.util.Random r = new java.util.Random(seed);
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                float[] v = new float[(int) a.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.getValue().requiresGradient() ? (float) r.nextGaussian() * 0.1f : (p.getKey().endsWith("Var") ? 1 : 0);
                }
                a.set(v);
            }
            float[] xs = new float[4 * 3 * 8 * 8];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) r.nextGaussian();
            }
            NDArray x = m.create(xs, new Shape(4, 3, 8, 8));
            NDArray y = m.create(new float[] {0, 1, 2, 3});
            AtomicBoolean unused = new AtomicBoolean();
            for (int i = 0; i < 5; i++) {
                step(t, x, y, unused);
            }
            float[] out = flatParameters(net);
            t.close();
            model.close();
            return out;
        }
    }

    @Test
    void easyTrainFitsWithTheActNNTrainer() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            // Two separable classes: the mean of the image decides the label.
            int n = 64;
            NDArray y = m.arange(n).mod(2).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            NDArray x = m.randomNormal(new Shape(n, 3, 8, 8)).add(y.reshape(n, 1, 1, 1).mul(2).sub(1));
            ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(16, true).build();
            Model model = Model.newInstance("fit");
            model.setBlock(QModule.convert(cnn()));
            ActNNTrainer t = trainer(model, ActNNConfig.builder().optLevel("L3").build());
            t.initialize(new Shape(16, 3, 8, 8));
            t.setMetrics(new ai.djl.metric.Metrics());
            EasyTrain.fit(t, 8, data, null);
            NDArray logits = t.evaluate(new NDList(x)).singletonOrThrow();
            float accuracy = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).eq(y).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
            assertTrue(accuracy > 0.9f, "training accuracy " + accuracy);
            assertTrue(t.getCompression().lastStep().savedBytes() > 0);
            t.close();
            model.close();
        }
    }
}
