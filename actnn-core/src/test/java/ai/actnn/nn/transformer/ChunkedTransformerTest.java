package ai.actnn.nn.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.actnn.QModule;
import ai.actnn.config.ActNNConfig;
import ai.actnn.memory.MemoryMeasurement;
import ai.actnn.memory.MemoryWindow;
import ai.actnn.memory.ProcessMemory;
import ai.actnn.nn.BackwardChunks;
import ai.actnn.testing.GradientHarness;
import ai.actnn.training.ActNNTrainer;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;

import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * Attention and the feed-forward block of a batch too large for one chunk run a chunk of samples
 * at a time (the default target, 4 MiB of full-precision transients per chunk, is exceeded by the
 * shapes here): their gradients equal exact fp32 autograd's without compression and stay close at
 * 8 bits, with and without a token mask; and a training step of a large batch never holds the
 * whole batch's attention scores, as the process's resident set shows.
 */
class ChunkedTransformerTest {

    private static final int SEQ = 128;
    private static final int WIDTH = 32;
    /** 4 heads of 128 x 128 fp32 scores: 256 KB per sample, 16 samples per chunk. */
    private static final Shape ATTENTION_INPUT = new Shape(40, SEQ, WIDTH);
    /** Hidden 128 per position: 64 KB per sample (64 per chunk); 2 heads: 128 KB (32 per chunk). */
    private static final Shape ENCODER_INPUT = new Shape(80, SEQ, WIDTH);

    private static Block attention() {
        return ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(WIDTH)
                .setHeadCount(4)
                .optAttentionProbsDropoutProb(0f)
                .build();
    }

    private static Block encoder() {
        return new TransformerEncoderBlock(WIDTH, 2, 4 * WIDTH, 0f, Activation::gelu);
    }

    private static ActNNConfig eightBits() {
        return GradientHarness.level("L2").toBuilder().optActivationCompressionBits(8).build();
    }

    @Test
    void theShapesExceedOneChunk() {
        assertEquals(3, BackwardChunks.ofSamples(40, 4L * SEQ * SEQ * 4).count());
        assertEquals(3, BackwardChunks.ofSamples(80, 2L * SEQ * SEQ * 4).count());
        assertEquals(2, BackwardChunks.ofSamples(80, 4L * WIDTH * SEQ * 4).count());
    }

    @Test
    void chunkedAttentionIsExactWithoutCompressionAndCloseAtEightBits() {
        try (GradientHarness h = new GradientHarness(attention(), ATTENTION_INPUT, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(ATTENTION_INPUT);
            Map<String, NDArray> exact = h.exactGradients(x);
            Map<String, NDArray> got = h.compressedGradients(x);
            assertEquals(exact.keySet(), got.keySet());
            double err = GradientHarness.worstRelativeError(got, exact);
            assertTrue(err < 1e-5, "L0: " + err);
            // split, then 3 chunks of key, query, value, core and output projection, then concat
            assertEquals(2 + 3 * 5, h.compressedTrainer().getCompression().lastStep().recordedOps());
            h.reconfigure(b -> b.optLevel("L2").optActivationCompressionBits(8));
            double eight = GradientHarness.worstRelativeError(h.compressedGradients(x), exact);
            assertTrue(eight < 0.03, "8 bits: " + eight);
        }
    }

    @Test
    void chunkedAttentionSlicesATokenMask() {
        Shape mask = new Shape(ATTENTION_INPUT.get(0), SEQ, SEQ);
        try (GradientHarness h = new GradientHarness(
                attention(), new Shape[] {ATTENTION_INPUT, mask}, DataType.FLOAT32, GradientHarness.level("L0"), false)) {
            NDList in = new NDList(h.manager().randomNormal(ATTENTION_INPUT), h.manager().randomInteger(0, 2, mask, DataType.INT32));
            Map<String, NDArray> exact = h.exactGradients(in);
            double err = GradientHarness.worstRelativeError(h.compressedGradients(in), exact);
            assertTrue(err < 1e-5, "L0 with a token mask: " + err);
        }
    }

    @Test
    void chunkedEncoderIsExactWithoutCompressionAndCloseAtEightBits() {
        try (GradientHarness h = new GradientHarness(encoder(), ENCODER_INPUT, GradientHarness.level("L0"))) {
            NDArray x = h.manager().randomNormal(ENCODER_INPUT);
            Map<String, NDArray> exact = h.exactGradients(x);
            // The whole gradient: the biases before a batch norm (and the key bias) have gradient
            // 0 in theory, and over 80 x 128 positions fp32's rounding alone gives them norms
            // above the per-tensor check's cut-off, on both sides.
            double err = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            assertTrue(err < 1e-5, "L0: " + err);
            // attention: split + 3 x 5 + concat; dropout, add, norm; feed-forward: split + 2 x 3 +
            // concat; dropout, add, norm
            assertEquals(17 + 3 + 8 + 3, h.compressedTrainer().getCompression().lastStep().recordedOps());
            h.reconfigure(b -> b.optRecompute(true));
            double recomputed = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            assertTrue(recomputed < 1e-5, "L0 with recomputation: " + recomputed);
            h.reconfigure(b -> eightBits().toBuilder());
            double eight = GradientHarness.globalRelativeError(h.compressedGradients(x), exact);
            assertTrue(eight < 0.03, "8 bits: " + eight);
        }
    }

    /**
     * One L3 training step of an encoder on 64 sequences of 256 tokens: unchunked, its forward
     * holds the (batch, heads, seq, seq) scores and their softmax at once (two arrays of 64 MiB
     * each) and its backward their gradients (with chunking turned off, {@code
     * -Dactnn.backwardChunkBytes=0}, the step peaks near 250 MB). Chunked, no such array exists
     * whole: the step's peak above its start, measured as the process's resident set, stays below
     * one of them (near 45 MB).
     */
    @Test
    void aLargeBatchStepPeaksBelowOneWholeScoresTensor() {
        assumeTrue(ProcessMemory.isSupported() && ProcessMemory.mallocTuned(), ProcessMemory.mallocWarning());
        Shape input = new Shape(64, 256, WIDTH);
        long scoresBytes = input.get(0) * 4 * input.get(1) * input.get(1) * Float.BYTES;
        long peak = Long.MAX_VALUE;
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("chunked")) {
            model.setBlock(QModule.convert(new TransformerEncoderBlock(WIDTH, 4, 4 * WIDTH, 0f, Activation::gelu)));
            try (ActNNTrainer trainer = new ActNNTrainer(
                    model, new DefaultTrainingConfig(Loss.l2Loss()), ActNNConfig.forLevel("L3"))) {
                trainer.initialize(input);
                // The first steps warm up (L3 saves 8 bits until it has seen gradients); the
                // lowest peak of the later ones is the step's own, without one-off allocations.
                for (int step = 0; step < 4; step++) {
                    try (NDManager batch = m.newSubManager()) {
                        NDArray x = batch.randomNormal(input);
                        NDArray y = batch.zeros(input);
                        System.gc();
                        MemoryWindow window = ProcessMemory.openWindow();
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(x));
                            gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
                        }
                        trainer.step();
                        MemoryMeasurement measured = window.close();
                        if (step >= 2 && measured.peakReset()) {
                            peak = Math.min(peak, measured.peakBytes());
                        }
                    }
                }
            }
        }
        assumeTrue(peak != Long.MAX_VALUE, "the peak resident set cannot be reset here");
        String report = String.format("step peak %.1f MB, one whole scores tensor %.1f MB", peak / 1e6, scoresBytes / 1e6);
        org.slf4j.LoggerFactory.getLogger(ChunkedTransformerTest.class).info(report);
        assertTrue(peak < scoresBytes, report);
    }
}
