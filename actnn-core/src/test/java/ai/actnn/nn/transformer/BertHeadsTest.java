package ai.actnn.nn.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.QModule;
import ai.actnn.nn.activation.QGelu;
import ai.actnn.testing.GradientHarness;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.BertMaskedLanguageModelBlock;
import ai.djl.nn.transformer.BertPretrainingBlock;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * DJL's BERT pretraining heads (next sentence, masked language model) and the pretraining block
 * that joins them to BERT become Q-layers (not the generic wrapper, which would recompute the
 * whole model and compress nothing, since its inputs are ids): equal to plain DJL at L0, close
 * at 8 bits, and compressed at L3.
 */
class BertHeadsTest {

    private static final int VOCAB = 40;
    private static final int SEQ = 8;
    private static final int BATCH = 4;
    private static final int MASKED = 3;

    private static BertBlock.Builder builder() {
        return BertBlock.builder()
                .setTokenDictionarySize(VOCAB)
                .optTypeDictionarySize(2)
                .optEmbeddingSize(32)
                .optTransformerBlockCount(1)
                .optAttentionHeadCount(2)
                .optHiddenSize(64)
                .optHiddenDropoutProbability(0f)
                .optMaxSequenceLength(SEQ);
    }

    /** The pretraining block with every dropout at rate 0 (DJL hard-codes 0.1 in the encoders). */
    private static BertPretrainingBlock pretraining() {
        BertPretrainingBlock block = new BertPretrainingBlock(builder());
        zeroDropouts(block);
        return block;
    }

    private static void zeroDropouts(Object block) {
        for (Class<?> c = block.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    Object value = f.get(block);
                    if (value instanceof Dropout) {
                        Field rate = Dropout.class.getDeclaredField("rate");
                        rate.setAccessible(true);
                        rate.setFloat(value, 0f);
                    } else if (value instanceof Block && value != block) {
                        zeroDropouts(value);
                    } else if (value instanceof Iterable<?> items) {
                        for (Object o : items) {
                            if (o instanceof Block) {
                                zeroDropouts(o);
                            }
                        }
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // a JDK field: not a block
                }
            }
        }
    }

    private static NDList inputs(NDManager manager) {
        NDArray tokens = manager.randomInteger(0, VOCAB, new Shape(BATCH, SEQ), DataType.INT64);
        NDArray types = manager.randomInteger(0, 2, new Shape(BATCH, SEQ), DataType.INT64);
        NDArray masks = manager.ones(new Shape(BATCH, SEQ), DataType.INT64);
        NDArray masked = manager.randomInteger(0, SEQ, new Shape(BATCH, MASKED), DataType.INT64);
        return new NDList(tokens, types, masks, masked);
    }

    private static Shape[] shapes() {
        Shape s = new Shape(BATCH, SEQ);
        return new Shape[] {s, s, s, new Shape(BATCH, MASKED)};
    }

    @Test
    void pretrainingConvertsToQLayersAllTheWayDown() {
        Block converted = QModule.convert(pretraining());
        QBertPretrainingBlock q = assertInstanceOf(QBertPretrainingBlock.class, converted);
        assertEquals("QBertPretrainingBlock", q.displayName());
        Block ml = QModule.convert(new BertMaskedLanguageModelBlock(builder().build(), Activation::gelu));
        assertInstanceOf(QGelu.class, assertInstanceOf(QBertMaskedLanguageModelBlock.class, ml).getActivation());
    }

    @Test
    void pretrainingEqualsPlainDjlAtL0AndIsCloseAtEightBits() {
        try (GradientHarness h = new GradientHarness(pretraining(), shapes(), DataType.FLOAT32, GradientHarness.level("L0"), false)) {
            NDList in = inputs(h.manager());
            Map<String, NDArray> exact = h.exactGradients(in);
            NDList plainOut = h.lastOutputs();
            Map<String, NDArray> got = h.compressedGradients(in);
            assertEquals(exact.keySet(), got.keySet());
            for (int i = 0; i < plainOut.size(); i++) {
                assertTrue(GradientHarness.relativeError(h.lastOutputs().get(i), plainOut.get(i)) < 1e-5, "output " + i);
            }
            double l0 = GradientHarness.worstRelativeError(got, exact);
            assertTrue(l0 < 1e-4, "L0: " + l0);
            h.reconfigure(b -> b.optLevel("L2").optActivationCompressionBits(8));
            double eight = GradientHarness.globalRelativeError(h.compressedGradients(in), exact);
            assertTrue(eight < 0.05, "8 bits: " + eight);
            long l0Bytes = keptAt(h, in, "L0");
            long l3Bytes = keptAt(h, in, "L3");
            assertTrue(l3Bytes * 4 < l0Bytes, "L3 kept " + l3Bytes + " B, L0 " + l0Bytes + " B");
        }
    }

    private static long keptAt(GradientHarness h, NDList in, String level) {
        h.reconfigure(b -> b.optLevel(level));
        h.compressedGradients(in);
        h.compressedGradients(in);
        return h.compressedTrainer().getCompression().lastStep().savedBytes();
    }
}
