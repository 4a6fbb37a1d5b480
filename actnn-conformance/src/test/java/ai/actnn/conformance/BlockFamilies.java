package ai.actnn.conformance;

import static ai.actnn.conformance.Case.Expect.LOSSLESS;
import static ai.actnn.conformance.Case.Expect.LOSSY;
import static ai.actnn.conformance.Case.Expect.LOSSY_TINY;
import static ai.actnn.conformance.Case.Expect.NOTHING;

import ai.actnn.conformance.Case.Expect;
import ai.actnn.conformance.Case.Inputs;
import ai.djl.modality.nlp.DefaultVocabulary;
import ai.djl.modality.nlp.embedding.TrainableWordEmbedding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv1dTranspose;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.core.LinearCollection;
import ai.djl.nn.core.Multiplication;
import ai.djl.nn.core.Prelu;
import ai.djl.nn.core.SparseMax;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.GhostBatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RNN;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.BertMaskedLanguageModelBlock;
import ai.djl.nn.transformer.BertNextSentenceBlock;
import ai.djl.nn.transformer.BertPretrainingBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.nn.transformer.PointwiseFeedForwardBlock;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Every block family of DJL 0.35.1's {@code ai.djl.nn} that a model can contain (enumerated from
 * its sources: core, convolutional, norm, pooling, recurrent, transformer, activations, lambdas,
 * joins, user blocks), each at a small shape, as conformance cases.
 */
public final class BlockFamilies {

    static final String CORE = "core";
    static final String CONV = "convolutional";
    static final String NORM = "norm";
    static final String POOL = "pooling";
    static final String RECURRENT = "recurrent";
    static final String TRANSFORMER = "transformer";
    static final String ACTIVATION = "activations (wide inputs, std 8)";
    static final String LAMBDA = "lambdas of element-wise functions (wide inputs, std 8)";
    static final String JOIN = "ParallelBlock joins";
    static final String USER = "user blocks (AbstractBlock subclasses)";

    /**
     * Why PReLU cannot be compared: DJL 0.35.1's PyTorch engine has no PReLU ({@code
     * PtNDArrayEx.prelu} throws "Not implemented"), so plain DJL cannot run it, nor can any
     * converted model that keeps it (the generic wrapper calls the original block).
     */
    static final String PRELU = "DJL 0.35.1's PyTorch engine throws \"Not implemented\" for prelu: plain DJL cannot run it";

    /** Activations are probed with inputs far beyond 6 (ReLU6, clip) and into saturation. */
    static final float WIDE = 8f;

    private BlockFamilies() {}

    /**
     * Returns every block-family case.
     *
     * @return the cases
     */
    public static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        core(all);
        conv(all);
        norm(all);
        pool(all);
        recurrent(all);
        transformer(all);
        activations(all);
        lambdas(all);
        joins(all);
        user(all);
        return all;
    }

    private static Case c(String section, String name, Supplier<Block> block, Inputs inputs, Expect expect) {
        return Case.of(section, name, block, inputs, expect);
    }

    private static Inputs in(long... shape) {
        return Inputs.floats(new Shape(shape));
    }

    /** A block followed by a linear layer: makes a parameterless or id-input block trainable. */
    private static Block then(Block block, int units) {
        return new SequentialBlock().add(block).add(Linear.builder().setUnits(units).build());
    }

    private static void core(List<Case> all) {
        all.add(c(CORE, "Linear", () -> Linear.builder().setUnits(16).build(), in(4, 64), LOSSY));
        all.add(c(CORE, "Linear rank 3", () -> Linear.builder().setUnits(16).build(), in(4, 5, 64), LOSSY));
        all.add(c(CORE, "Linear without bias", () -> Linear.builder().setUnits(16).optBias(false).build(), in(4, 64), LOSSY));
        all.add(c(CORE, "LinearCollection", () -> LinearCollection.builder().setUnits(8).build(), in(4, 3, 32), LOSSY));
        all.add(c(CORE, "Multiplication", () -> Multiplication.builder().setUnits(8).build(), in(4, 64), LOSSY));
        all.add(c(CORE, "Embedding (TrainableWordEmbedding) + Linear", () -> then(wordEmbedding(50, 32), 8), Inputs.ids(50, new Shape(4, 6)), LOSSY));
        all.add(c(CORE, "IdEmbedding + Linear", () -> then(new IdEmbedding.Builder().setDictionarySize(50).setEmbeddingSize(32).build(), 8), Inputs.ids(50, new Shape(4, 6)), LOSSY));
        all.add(c(CORE, "Prelu", Prelu::new, in(4, 8, 6, 6), LOSSY).excludedBecause(PRELU));
        all.add(c(CORE, "SparseMax", () -> new SparseMax(), in(4, 64), LOSSY));
        all.add(c(CORE, "SparseMax axis 1, top 2", () -> new SparseMax(1, 2), in(4, 6, 16), LOSSY));
        all.add(c(CORE, "identityBlock + Linear", () -> new SequentialBlock().add(Blocks.identityBlock()).add(Linear.builder().setUnits(8).build()), in(4, 64), LOSSY));
        all.add(c(CORE, "batchFlattenBlock", () -> new SequentialBlock().add(Blocks.batchFlattenBlock()), in(4, 3, 8, 8), NOTHING));
        all.add(c(CORE, "batchFlattenBlock(size) + Linear", () -> then(Blocks.batchFlattenBlock(192), 8), in(4, 3, 8, 8), LOSSY));
    }

    static TrainableWordEmbedding wordEmbedding(int vocabulary, int size) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < vocabulary - 1; i++) {
            words.add("w" + i);
        }
        return TrainableWordEmbedding.builder()
                .setVocabulary(new DefaultVocabulary(words))
                .setEmbeddingSize(size)
                .build();
    }

    private static Conv2d.Builder conv2d(int filters, int k) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k));
    }

    private static void conv(List<Case> all) {
        all.add(c(CONV, "Conv1d k3 pad 1", () -> Conv1d.builder().setFilters(8).setKernelShape(new Shape(3)).optPadding(new Shape(1)).build(), in(4, 4, 32), LOSSY));
        all.add(c(CONV, "Conv1d dilated 2, stride 2", () -> Conv1d.builder().setFilters(8).setKernelShape(new Shape(3)).optDilation(new Shape(2)).optStride(new Shape(2)).build(), in(4, 4, 33), LOSSY));
        all.add(c(CONV, "Conv1d grouped 2, no bias", () -> Conv1d.builder().setFilters(8).setKernelShape(new Shape(3)).optGroups(2).optBias(false).build(), in(4, 4, 32), LOSSY));
        all.add(c(CONV, "Conv2d 3x3 pad 1", () -> conv2d(8, 3).optPadding(new Shape(1, 1)).build(), in(4, 4, 10, 10), LOSSY));
        all.add(c(CONV, "Conv2d stride 2", () -> conv2d(8, 3).optStride(new Shape(2, 2)).optPadding(new Shape(1, 1)).build(), in(4, 4, 11, 11), LOSSY));
        all.add(c(CONV, "Conv2d dilated 2", () -> conv2d(8, 3).optDilation(new Shape(2, 2)).optPadding(new Shape(2, 2)).build(), in(4, 4, 10, 10), LOSSY));
        all.add(c(CONV, "Conv2d grouped 2", () -> conv2d(8, 3).optGroups(2).optPadding(new Shape(1, 1)).build(), in(4, 4, 10, 10), LOSSY));
        all.add(c(CONV, "Conv2d depthwise (groups = channels)", () -> conv2d(8, 3).optGroups(8).optPadding(new Shape(1, 1)).build(), in(4, 8, 10, 10), LOSSY));
        all.add(c(CONV, "Conv2d 1x1, no bias", () -> conv2d(8, 1).optBias(false).build(), in(4, 4, 10, 10), LOSSY));
        all.add(c(CONV, "Conv2d rectangular 1x3", () -> Conv2d.builder().setFilters(8).setKernelShape(new Shape(1, 3)).optPadding(new Shape(0, 1)).build(), in(4, 4, 10, 10), LOSSY));
        all.add(c(CONV, "Conv3d", () -> Conv3d.builder().setFilters(4).setKernelShape(new Shape(3, 3, 3)).optPadding(new Shape(1, 1, 1)).build(), in(2, 3, 6, 6, 6), LOSSY));
        all.add(c(CONV, "Conv3d stride 2, grouped 3", () -> Conv3d.builder().setFilters(6).setKernelShape(new Shape(3, 3, 3)).optStride(new Shape(2, 2, 2)).optGroups(3).build(), in(2, 3, 7, 7, 7), LOSSY));
        all.add(c(CONV, "Conv1dTranspose stride 2", () -> Conv1dTranspose.builder().setFilters(6).setKernelShape(new Shape(3)).optStride(new Shape(2)).build(), in(4, 4, 32), LOSSY).withConvertedReference());
        all.add(c(CONV, "Conv2dTranspose stride 2 pad 1", () -> Conv2dTranspose.builder().setFilters(6).setKernelShape(new Shape(3, 3)).optStride(new Shape(2, 2)).optPadding(new Shape(1, 1)).build(), in(4, 4, 8, 8), LOSSY).withConvertedReference());
        all.add(c(CONV, "Conv2dTranspose grouped 2, dilated 2", () -> Conv2dTranspose.builder().setFilters(6).setKernelShape(new Shape(3, 3)).optGroups(2).optDilation(new Shape(2, 2)).build(), in(4, 4, 8, 8), LOSSY).withConvertedReference());
    }

    private static void norm(List<Case> all) {
        all.add(c(NORM, "BatchNorm (N,C,H,W) axis 1", () -> BatchNorm.builder().build(), in(4, 6, 8, 8), LOSSY));
        all.add(c(NORM, "BatchNorm (N,F)", () -> BatchNorm.builder().build(), in(16, 64), LOSSY));
        all.add(c(NORM, "BatchNorm (N,C,L)", () -> BatchNorm.builder().build(), in(4, 6, 32), LOSSY));
        all.add(c(NORM, "BatchNorm (N,T,F) axis 2", () -> BatchNorm.builder().optAxis(2).build(), in(4, 8, 16), LOSSY));
        all.add(c(NORM, "BatchNorm channels last axis 3", () -> BatchNorm.builder().optAxis(3).build(), in(4, 6, 6, 8), LOSSY));
        all.add(c(NORM, "BatchNorm axis 2 of (N,C,H,W)", () -> BatchNorm.builder().optAxis(2).build(), in(4, 6, 8, 8), LOSSY));
        all.add(c(NORM, "BatchNorm 3d (N,C,D,H,W)", () -> BatchNorm.builder().build(), in(2, 4, 4, 6, 6), LOSSY));
        all.add(c(NORM, "BatchNorm with a dead channel (constant over the batch)", () -> new SequentialBlock()
                        .add(LambdaBlock.singleton(x -> x.mul(x.getManager().create(new float[] {0, 1, 1, 1, 1, 1}, new Shape(1, 6, 1, 1))), "deadChannel"))
                        .add(BatchNorm.builder().build()), in(4, 6, 8, 8), LOSSY));
        all.add(c(NORM, "BatchNorm without center and scale", () -> BatchNorm.builder().optCenter(false).optScale(false).build(), in(4, 6, 8, 8), LOSSY));
        all.add(c(NORM, "BatchNorm after Linear", () -> new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(BatchNorm.builder().build()), in(16, 64), LOSSY));
        // 4 values per channel in each virtual batch: kept at 8 bits (few values per channel).
        all.add(c(NORM, "GhostBatchNorm virtual batch 4", () -> GhostBatchNorm.builder().optVirtualBatchSize(4).build(), in(16, 64), LOSSY_TINY));
        all.add(c(NORM, "GhostBatchNorm virtual batch 16", () -> GhostBatchNorm.builder().optVirtualBatchSize(16).build(), in(64, 64), LOSSY));
        all.add(c(NORM, "LayerNorm (last axis)", () -> LayerNorm.builder().build(), in(4, 8, 32), LOSSY));
        all.add(c(NORM, "LayerNorm axes 1,2,3", () -> LayerNorm.builder().axis(1, 2, 3).build(), in(4, 3, 8, 8), LOSSY));
        all.add(c(NORM, "Dropout rate 0 + Linear", () -> then(Dropout.builder().optRate(0f).build(), 8), in(4, 64), LOSSY));
        all.add(c(NORM, "Dropout rate 0.5 (compared at rate 0)", () -> Dropout.builder().optRate(0.5f).build(), in(4, 64), NOTHING));
    }

    private static void pool(List<Case> all) {
        Shape k2 = new Shape(2);
        Shape k3 = new Shape(3);
        all.add(c(POOL, "maxPool1dBlock k3 s2 p1", () -> Pool.maxPool1dBlock(k3, k2, new Shape(1)), in(4, 6, 32), LOSSLESS));
        all.add(c(POOL, "maxPool1dBlock k2 ceil", () -> Pool.maxPool1dBlock(k2, k2, new Shape(0), true), in(4, 6, 33), LOSSLESS));
        all.add(c(POOL, "maxPool2dBlock 2x2", () -> Pool.maxPool2dBlock(new Shape(2, 2)), in(4, 6, 10, 10), LOSSLESS));
        all.add(c(POOL, "maxPool2dBlock 3x3 s2 p1", () -> Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)), in(4, 6, 11, 11), LOSSLESS));
        all.add(c(POOL, "maxPool2dBlock 3x3 s2 ceil", () -> Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), true), in(4, 6, 12, 12), LOSSLESS));
        all.add(c(POOL, "maxPool3dBlock 2x2x2", () -> Pool.maxPool3dBlock(new Shape(2, 2, 2)), in(2, 4, 6, 6, 6), LOSSLESS));
        all.add(c(POOL, "avgPool1dBlock k3 s2 p1", () -> Pool.avgPool1dBlock(k3, k2, new Shape(1)), in(4, 6, 32), NOTHING));
        all.add(c(POOL, "avgPool2dBlock 2x2", () -> Pool.avgPool2dBlock(new Shape(2, 2)), in(4, 6, 10, 10), NOTHING));
        all.add(c(POOL, "avgPool2dBlock 3x3 s2 p1 ceil, pad excluded", () -> Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), true, false), in(4, 6, 12, 12), NOTHING));
        all.add(c(POOL, "avgPool2dBlock 3x3 s2 p1, pad included", () -> Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false, true), in(4, 6, 11, 11), NOTHING));
        all.add(c(POOL, "avgPool3dBlock 2x2x2", () -> Pool.avgPool3dBlock(new Shape(2, 2, 2)), in(2, 4, 6, 6, 6), NOTHING));
        all.add(c(POOL, "lpPool1dBlock p=2 k2", () -> Pool.lpPool1dBlock(2f, k2, k2, new Shape(0), false), in(4, 6, 32), LOSSY));
        all.add(c(POOL, "lpPool2dBlock p=2 2x2", () -> Pool.lpPool2dBlock(2f, new Shape(2, 2)), in(4, 6, 10, 10), LOSSY));
        all.add(c(POOL, "globalMaxPool1dBlock", Pool::globalMaxPool1dBlock, in(4, 6, 32), LOSSLESS));
        all.add(c(POOL, "globalMaxPool2dBlock", Pool::globalMaxPool2dBlock, in(4, 6, 10, 10), LOSSLESS));
        all.add(c(POOL, "globalMaxPool3dBlock", Pool::globalMaxPool3dBlock, in(2, 4, 6, 6, 6), LOSSLESS));
        all.add(c(POOL, "globalAvgPool1dBlock", Pool::globalAvgPool1dBlock, in(4, 6, 32), NOTHING));
        all.add(c(POOL, "globalAvgPool2dBlock", Pool::globalAvgPool2dBlock, in(4, 6, 10, 10), NOTHING));
        all.add(c(POOL, "globalAvgPool3dBlock", Pool::globalAvgPool3dBlock, in(2, 4, 6, 6, 6), NOTHING));
        all.add(c(POOL, "globalLpPool2dBlock p=2", () -> Pool.globalLpPool2dBlock(2f), in(4, 6, 10, 10), LOSSY));
        all.add(c(POOL, "adaptive avg pool 2d to 3x3 (lambda)", () -> LambdaBlock.singleton(x -> JniUtils.adaptiveAvgPool((PtNDArray) x, new Shape(3, 3)), "adaptiveAvgPool2d"), in(4, 6, 10, 10), LOSSLESS));
        all.add(c(POOL, "adaptive max pool 2d to 3x3 (lambda)", () -> LambdaBlock.singleton(x -> JniUtils.adaptiveMaxPool((PtNDArray) x, new Shape(3, 3)), "adaptiveMaxPool2d"), in(4, 6, 10, 10), LOSSY));
    }

    private static void recurrent(List<Case> all) {
        all.add(c(RECURRENT, "RNN tanh, batch first", () -> RNN.builder().setStateSize(16).setNumLayers(1).optBatchFirst(true).setActivation(RNN.Activation.TANH).build(), in(4, 6, 16), LOSSY));
        all.add(c(RECURRENT, "RNN relu, time first", () -> RNN.builder().setStateSize(16).setNumLayers(1).optBatchFirst(false).setActivation(RNN.Activation.RELU).build(), in(6, 4, 16), LOSSY));
        all.add(c(RECURRENT, "GRU, batch first", () -> GRU.builder().setStateSize(16).setNumLayers(1).optBatchFirst(true).build(), in(4, 6, 16), LOSSY));
        all.add(c(RECURRENT, "GRU 2 layers, time first", () -> GRU.builder().setStateSize(8).setNumLayers(2).optBatchFirst(false).build(), in(6, 4, 16), LOSSY));
        all.add(c(RECURRENT, "LSTM, batch first", () -> LSTM.builder().setStateSize(16).setNumLayers(1).optBatchFirst(true).build(), in(4, 6, 16), LOSSY));
        all.add(c(RECURRENT, "LSTM, time first", () -> LSTM.builder().setStateSize(16).setNumLayers(1).optBatchFirst(false).build(), in(6, 4, 16), LOSSY));
        all.add(c(RECURRENT, "LSTM 2 layers, returning state", () -> LSTM.builder().setStateSize(8).setNumLayers(2).optReturnState(true).build(), in(4, 6, 16), LOSSY));
    }

    private static void transformer(List<Case> all) {
        all.add(c(TRANSFORMER, "ScaledDotProductAttentionBlock", () -> ScaledDotProductAttentionBlock.builder().setEmbeddingSize(32).setHeadCount(4).optAttentionProbsDropoutProb(0f).build(), in(4, 8, 32), LOSSY));
        all.add(c(TRANSFORMER, "PointwiseFeedForwardBlock (GELU)", () -> new PointwiseFeedForwardBlock(Collections.singletonList(64), 32, Activation::gelu), in(4, 8, 32), LOSSY));
        all.add(c(TRANSFORMER, "TransformerEncoderBlock (GELU)", () -> new TransformerEncoderBlock(32, 4, 64, 0f, Activation::gelu), in(4, 8, 32), LOSSY));
        all.add(c(TRANSFORMER, "TransformerEncoderBlock (ReLU)", () -> new TransformerEncoderBlock(32, 4, 64, 0f, Activation::relu), in(4, 8, 32), LOSSY));
        all.add(c(TRANSFORMER, "BertBlock (2 layers, width 32), mask of ones", BlockFamilies::bert, Inputs.ids(50, new Shape(4, 8), new Shape(4, 8), new Shape(4, 8)).withRanges(50, 2, -1), LOSSY));
        all.add(c(TRANSFORMER, "BertNextSentenceBlock", BertNextSentenceBlock::new, in(4, 32), LOSSY));
        all.add(c(TRANSFORMER, "BertMaskedLanguageModelBlock (GELU)", () -> bertHeads(false),
                Inputs.floats(new Shape(4, 8, 32), new Shape(4, 2), new Shape(50, 32)).withRanges(0, 8, 0), LOSSY));
        all.add(c(TRANSFORMER, "BertPretrainingBlock (1 layer, width 32)", () -> bertHeads(true),
                Inputs.ids(50, new Shape(4, 8), new Shape(4, 8), new Shape(4, 8), new Shape(4, 2)).withRanges(50, 2, -1, 8), LOSSY));
        all.add(c(TRANSFORMER, "BertBlock (2 layers, width 32), random 0/1 mask", BlockFamilies::bert, Inputs.ids(50, new Shape(4, 8), new Shape(4, 8), new Shape(4, 8)).withRanges(50, 2, 2), LOSSY));
    }

    static Block bertHeads(boolean pretraining) {
        BertBlock.Builder builder = BertBlock.builder()
                .setTokenDictionarySize(50)
                .optTypeDictionarySize(2)
                .optEmbeddingSize(32)
                .optTransformerBlockCount(1)
                .optAttentionHeadCount(4)
                .optHiddenSize(64)
                .optHiddenDropoutProbability(0f)
                .optMaxSequenceLength(8);
        return pretraining ? new BertPretrainingBlock(builder) : new BertMaskedLanguageModelBlock(builder.build(), Activation::gelu);
    }

    static Block bert() {
        return BertBlock.builder()
                .setTokenDictionarySize(50)
                .optTypeDictionarySize(2)
                .optEmbeddingSize(32)
                .optTransformerBlockCount(2)
                .optAttentionHeadCount(4)
                .optHiddenSize(64)
                .optHiddenDropoutProbability(0f)
                .optMaxSequenceLength(8)
                .build();
    }

    /** Each activation DJL offers as a block factory and as a function, on wide inputs. */
    private static void activations(List<Case> all) {
        Inputs wide = in(4, 64).scaled(WIDE);
        act(all, "relu", Activation::reluBlock, Activation::relu, wide, LOSSLESS);
        all.add(c(ACTIVATION, "relu6 (Activation.relu6Block)", Activation::relu6Block, wide, LOSSLESS));
        all.add(c(ACTIVATION, "relu6 (function in a SequentialBlock)", () -> new SequentialBlock().add(Activation::relu6), wide, LOSSLESS));
        act(all, "sigmoid", Activation::sigmoidBlock, Activation::sigmoid, wide, LOSSY);
        act(all, "tanh", Activation::tanhBlock, Activation::tanh, wide, LOSSY);
        act(all, "softPlus", Activation::softPlusBlock, Activation::softPlus, wide, LOSSY);
        act(all, "softSign", Activation::softSignBlock, Activation::softSign, wide, LOSSY);
        act(all, "leakyRelu 0.1", () -> Activation.leakyReluBlock(0.1f), x -> Activation.leakyRelu(x, 0.1f), wide, LOSSLESS);
        act(all, "elu 1.0", () -> Activation.eluBlock(1f), x -> Activation.elu(x, 1f), wide, LOSSY);
        act(all, "selu", Activation::seluBlock, Activation::selu, wide, LOSSY);
        act(all, "gelu", Activation::geluBlock, Activation::gelu, wide, LOSSY);
        act(all, "swish 1.0", () -> Activation.swishBlock(1f), x -> Activation.swish(x, 1f), wide, LOSSY);
        act(all, "swish 1.5", () -> Activation.swishBlock(1.5f), x -> Activation.swish(x, 1.5f), wide, LOSSY);
        act(all, "mish", Activation::mishBlock, Activation::mish, wide, LOSSY);
        all.add(c(ACTIVATION, "preluBlock", Activation::preluBlock, wide, LOSSY).excludedBecause(PRELU));
        all.add(c(ACTIVATION, "softmax (lambda)", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().softmax(-1))), wide, LOSSY));
        all.add(c(ACTIVATION, "logSoftmax (lambda)", () -> new LambdaBlock(l -> new NDList(l.singletonOrThrow().logSoftmax(-1))), wide, LOSSY));
    }

    private static void act(
            List<Case> all,
            String name,
            Supplier<Block> block,
            Function<NDList, NDList> function,
            Inputs inputs,
            Expect expect) {
        all.add(c(ACTIVATION, name + " (Activation." + name.split(" ")[0] + "Block)", block, inputs, expect));
        all.add(c(ACTIVATION, name + " (function in a SequentialBlock)", () -> new SequentialBlock().add(function), inputs, expect));
    }

    private static Case lambda(String name, Function<NDArray, NDArray> f, Expect expect) {
        return c(LAMBDA, name, () -> LambdaBlock.singleton(f), in(4, 64).scaled(WIDE), expect);
    }

    private static void lambdas(List<Case> all) {
        all.add(lambda("x * tanh(x)", x -> x.mul(x.tanh()), LOSSY));
        all.add(lambda("sin(x)", NDArray::sin, LOSSY));
        all.add(lambda("x^2", NDArray::square, LOSSY));
        // abs is leaky ReLU of slope -1 (gradient 0 at 0): exact with a 2-bit code.
        all.add(lambda("abs(x)", NDArray::abs, LOSSLESS));
        all.add(lambda("exp(-x^2 / 32)", x -> x.square().div(-32f).exp(), LOSSY));
        all.add(lambda("clip(x, 0, 6) (ReLU6 by hand)", x -> x.clip(0, 6), LOSSLESS));
        all.add(lambda("clip(x, -1, 1) (hard tanh)", x -> x.clip(-1, 1), LOSSLESS));
        all.add(lambda("maximum(x, 0.2 x) (leaky ReLU by hand)", x -> NDArrays.maximum(x, x.mul(0.2f)), LOSSLESS));
        all.add(lambda("x * sigmoid(1.702 x) (swish-like GELU)", x -> x.mul(x.mul(1.702f).getNDArrayInternal().sigmoid()), LOSSY));
        all.add(lambda("relu(x) (unnamed, via NDArrayEx)", x -> x.getNDArrayInternal().relu(), LOSSLESS));
        all.add(lambda("2x + 1 (affine)", x -> x.mul(2).add(1), LOSSLESS));
        all.add(lambda("x * 0 + 3 (constant)", x -> x.mul(0).add(3), LOSSLESS));
    }

    private static Block linearBranch() {
        return Linear.builder().setUnits(64).build();
    }

    private static Case join(String name, Function<List<NDList>, NDList> join, Expect expect, Supplier<List<Block>> branches) {
        return c(JOIN, name, () -> new ParallelBlock(join, branches.get()), in(4, 64).scaled(WIDE), expect);
    }

    private static NDArray only(NDList l) {
        return l.singletonOrThrow();
    }

    private static void joins(List<Case> all) {
        Supplier<List<Block>> linId = () -> Arrays.asList(linearBranch(), Blocks.identityBlock());
        Supplier<List<Block>> idRelu = () -> Arrays.asList(Blocks.identityBlock(), Activation.reluBlock());
        all.add(join("add(a, b)", l -> new NDList(only(l.get(0)).add(only(l.get(1)))), LOSSY, linId));
        all.add(join("add of identity and ReLU branch", l -> new NDList(only(l.get(0)).add(only(l.get(1)))), LOSSLESS, idRelu));
        all.add(join("add of three branches", l -> new NDList(NDArrays.add(only(l.get(0)), only(l.get(1)), only(l.get(2)))), LOSSY,
                () -> Arrays.asList(linearBranch(), linearBranch(), Blocks.identityBlock())));
        all.add(join("concat(a, b) axis 1", l -> new NDList(only(l.get(0)).concat(only(l.get(1)), 1)), LOSSY, linId));
        all.add(join("multiply(a, b)", l -> new NDList(only(l.get(0)).mul(only(l.get(1)))), LOSSY, linId));
        all.add(join("relu(a + b)", l -> new NDList(only(l.get(0)).add(only(l.get(1))).getNDArrayInternal().relu()), LOSSY, linId));
        all.add(join("relu(a + b), lossless branches", l -> new NDList(only(l.get(0)).add(only(l.get(1))).getNDArrayInternal().relu()), LOSSLESS, idRelu));
        all.add(join("relu6(a + b)", l -> new NDList(Activation.relu6(only(l.get(0)).add(only(l.get(1))))), LOSSY, linId));
        all.add(join("relu6(a + b), lossless branches", l -> new NDList(Activation.relu6(only(l.get(0)).add(only(l.get(1))))), LOSSLESS, idRelu));
        all.add(join("(a + b) * sqrt(0.5) (TabNet)", l -> new NDList(NDArrays.add(only(l.get(0)), only(l.get(1))).mul(Math.sqrt(0.5))), LOSSY, linId));
        all.add(join("maximum(a, b)", l -> new NDList(NDArrays.maximum(only(l.get(0)), only(l.get(1)))), LOSSY, linId));
        all.add(join("two outputs (a, b)", l -> new NDList(only(l.get(0)), only(l.get(1))), LOSSY, linId));
    }

    private static void user(List<Case> all) {
        all.add(c(USER, "residual user block (fields typed Block)",
                () -> new UserBlocks.Residual(Linear.builder().setUnits(32).build(), Linear.builder().setUnits(32).build()),
                in(4, 32), LOSSY));
        all.add(c(USER, "user block with a Linear-typed field",
                () -> new SequentialBlock().add(new UserBlocks.ConcreteField(16)).add(Linear.builder().setUnits(8).build()),
                in(4, 64), LOSSY));
        all.add(c(USER, "user block calling children from a List field",
                () -> new UserBlocks.ListField(Linear.builder().setUnits(32).build(), Activation.reluBlock(), Linear.builder().setUnits(8).build()),
                in(4, 64), LOSSY));
        all.add(c(USER, "user block with two inputs and two outputs",
                () -> new UserBlocks.TwoInputs(Linear.builder().setUnits(16).build(), new SequentialBlock().add(Linear.builder().setUnits(16).build()).add(Activation::tanh)),
                Inputs.floats(new Shape(4, 32), new Shape(4, 24)), LOSSY));
        all.add(c(USER, "Sequential of Parallel of user blocks",
                () -> new SequentialBlock()
                        .add(new ParallelBlock(l -> new NDList(only(l.get(0)).add(only(l.get(1)))),
                                Arrays.asList(new UserBlocks.Residual(Linear.builder().setUnits(32).build(), Linear.builder().setUnits(32).build()),
                                        Blocks.identityBlock())))
                        .add(Activation.reluBlock())
                        .add(Linear.builder().setUnits(8).build()),
                in(4, 32), LOSSY));
    }

    static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }
}
