package ai.actnn.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.BitPolicies;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaxPool2dSpec;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * The store's layer ops on the CPU: ReLU (also in place), dropout and max pooling return what
 * PyTorch computes (bytes of the output, gradients equal to autograd's), keep exactly the mask or
 * offsets their backward needs, and count them: the store's count equals the bytes it holds, and
 * closing the saved item frees them.
 */
class LayerOpsTest {

    private static ActivationStore store(NDManager manager, long key) {
        ActNNConfig config = ActNNConfig.forLevel("L3");
        return new ActivationStore(new CompressionStep(config, BitPolicies.create(config), key), manager);
    }

    /** -0, -1, a NaN with a sign and a payload, 2, then normal values. */
    private static NDArray specials(NDManager m, DataType type) {
        float[] v = new float[1001];
        Random r = new Random(5);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        v[0] = -0f;
        v[1] = -1f;
        v[2] = Float.intBitsToFloat(0xffc00001);
        v[3] = 2f;
        return m.create(v, new Shape(7, 143)).toType(type, false);
    }

    private static void assertCountedAndHeld(ActivationStore s, long bytes) {
        assertEquals(bytes, s.storedBytes(), "counted");
        assertEquals(bytes, s.heldBytes(), "held");
    }

    @Test
    void reluReturnsPyTorchsBytesAndKeepsOneBitPerElement() {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
            try (NDManager m = NDManager.newBaseManager();
                    ActivationStore s = store(m, 1L)) {
                NDArray x = specials(m, type);
                SavedOutput<SavedMask> r = s.relu(x);
                assertArrayEquals(Activation.relu(x).toByteArray(), r.output().toByteArray(), type + " y");
                assertEquals(x.getManager(), r.output().getManager(), "the output belongs to the caller");
                assertCountedAndHeld(s, (x.size() + 7) / 8);
                NDArray ones = m.ones(x.getShape(), type);
                assertArrayEquals(x.gt(0f).toType(type, false).toByteArray(),
                        r.saved().apply(ones, 1f, m).toByteArray(), type + " mask x > 0");

                NDArray inPlace = x.duplicate();
                SavedOutput<SavedMask> done = s.reluInPlace(inPlace);
                SavedMask mask = done.saved();
                assertArrayEquals(r.output().toByteArray(), inPlace.toByteArray(), type + " y in place");
                assertArrayEquals(inPlace.toByteArray(), done.output().toByteArray(), type + " output handle");
                assertArrayEquals(r.saved().apply(ones, 1f, m).toByteArray(), mask.apply(ones, 1f, m).toByteArray(),
                        type + " mask in place");
                assertCountedAndHeld(s, 2 * ((x.size() + 7) / 8));
                r.saved().close();
                mask.close();
                assertEquals(0, s.heldBytes(), "closing the masks frees them");
            }
        }
    }

    @Test
    void dropoutAppliesTheMaskItKeepsAndIsReproducibleFromTheKey() {
        try (NDManager m = NDManager.newBaseManager();
                ActivationStore s = store(m, 7L);
                ActivationStore again = store(m, 7L)) {
            NDArray x = m.randomNormal(new Shape(16, 500));
            SavedOutput<SavedMask> r = s.dropout(x, 0.25f);
            NDArray keep = r.saved().apply(m.ones(x.getShape()), 1f, m);
            float kept = keep.mean().getFloat();
            assertTrue(kept > 0.72f && kept < 0.78f, "kept fraction " + kept);
            float scale = MaskCodec.dropoutScale(0.25f);
            // +0 where dropped (x * 0 would keep the sign of negative x)
            NDArray want = NDArrays.where(keep.eq(1f), x.mul(scale), m.zeros(x.getShape()));
            assertArrayEquals(want.toByteArray(), r.output().toByteArray(), "y = x * scale where kept, +0 elsewhere");
            // the mask applied above was drawn again from its key: it is the forward's mask
            assertCountedAndHeld(s, 0);
            SavedMask attention = s.saveKeepMask(x.getShape(), 0.25f, x.getDevice());
            assertArrayEquals(attention.apply(x, 1f, m).toByteArray(), attention.apply(x, 1f, m).toByteArray(),
                    "a keep mask kept as its key draws the same bits at every use");
            assertCountedAndHeld(s, 0);
            assertArrayEquals(r.output().toByteArray(), again.dropout(x, 0.25f).output().toByteArray(),
                    "the same step key draws the same mask");
            assertThrows(IllegalArgumentException.class, () -> s.dropout(x, 1.5f));
        }
    }

    @Test
    void dropoutScaleIsTheInverseKeptFraction() {
        assertEquals(1f / (1f - 0.1f), MaskCodec.dropoutScale(0.1f));
        assertEquals(1f, MaskCodec.dropoutScale(0f));
        assertEquals(0f, MaskCodec.dropoutScale(1f), "rate 1 drops everything");
        for (float bad : new float[] {1.5f, -0.1f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaskCodec.dropoutScale(bad));
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    @Test
    void maxPoolingKeepsOneBytePerOutputAndItsGradientIsExact() {
        MaxPool2dSpec[] specs = {MaxPool2dSpec.of(2, 2, 0, false), MaxPool2dSpec.of(3, 2, 1, true),
            new MaxPool2dSpec(3, 2, 1, 2, 1, 1, false)};
        for (MaxPool2dSpec spec : specs) {
            try (NDManager m = NDManager.newBaseManager();
                    ActivationStore s = store(m, 3L)) {
                NDArray x = m.randomNormal(new Shape(2, 3, 11, 9));
                Shape k = new Shape(spec.kernelH(), spec.kernelW());
                Shape st = new Shape(spec.strideH(), spec.strideW());
                Shape p = new Shape(spec.padH(), spec.padW());
                SavedOutput<SavedPooling> r = s.maxPool2d(x, spec);
                NDArray dy = m.randomNormal(r.output().getShape());

                NDArray exact = x.duplicate();
                exact.setRequiresGradient(true);
                NDArray y;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    y = Pool.maxPool2d(exact, k, st, p, spec.ceilMode());
                    gc.backward(y.mul(dy).sum());
                }
                assertArrayEquals(y.toByteArray(), r.output().toByteArray(), spec + " y");
                assertCountedAndHeld(s, r.output().size());
                try (NDManager scratch = m.newSubManager()) {
                    assertArrayEquals(exact.getGradient().toByteArray(), r.saved().backward(dy, scratch).toByteArray(),
                            spec + " dx");
                }
                r.saved().close();
                assertEquals(0, s.heldBytes(), "closing the offsets frees them");
            }
        }
    }
}
