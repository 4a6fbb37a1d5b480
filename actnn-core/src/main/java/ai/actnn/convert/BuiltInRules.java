package ai.actnn.convert;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.nn.activation.QReLU;
import ai.actnn.nn.container.QParallel;
import ai.actnn.nn.container.QSequential;
import ai.actnn.nn.conv.QConv1d;
import ai.actnn.nn.conv.QConv1dTranspose;
import ai.actnn.nn.conv.QConv2d;
import ai.actnn.nn.conv.QConv2dTranspose;
import ai.actnn.nn.conv.QConv3d;
import ai.actnn.nn.core.QEmbedding;
import ai.actnn.nn.core.QLinear;
import ai.actnn.nn.core.QReshape;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.nn.norm.QDropout;
import ai.actnn.nn.norm.QLayerNorm;
import ai.actnn.nn.pool.QGlobalAvgPool;
import ai.actnn.nn.transformer.QAttention;
import ai.actnn.nn.transformer.QBertBlock;
import ai.actnn.nn.transformer.QBertMaskedLanguageModelBlock;
import ai.actnn.nn.transformer.QBertNextSentenceBlock;
import ai.actnn.nn.transformer.QBertPretrainingBlock;
import ai.actnn.nn.transformer.QTransformerEncoderBlock;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv1dTranspose;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.BertMaskedLanguageModelBlock;
import ai.djl.nn.transformer.BertNextSentenceBlock;
import ai.djl.nn.transformer.BertPretrainingBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.nn.transformer.TransformerEncoderBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The library's own conversion entries for DJL's blocks. */
final class BuiltInRules {

    private BuiltInRules() {}

    static void registerAll(ConversionRegistry r) {
        r.register(Conv1d.class, QConv1d::new);
        r.register(Conv2d.class, QConv2d::new);
        r.register(Conv3d.class, QConv3d::new);
        r.register(Conv1dTranspose.class, QConv1dTranspose::new);
        r.register(Conv2dTranspose.class, QConv2dTranspose::new);
        r.register(Linear.class, QLinear::new);
        r.register(BatchNorm.class, QBatchNorm::new);
        r.register(Dropout.class, QDropout::new);
        r.register(LayerNorm.class, QLayerNorm::new);
        r.register(IdEmbedding.class, QEmbedding::new);
        r.register(Embedding.class, BuiltInRules::embedding);
        r.register(SequentialBlock.class, BuiltInRules::sequential);
        r.register(ParallelBlock.class, BuiltInRules::parallel);
        r.register(ScaledDotProductAttentionBlock.class, QAttention::new);
        r.register(TransformerEncoderBlock.class, BuiltInRules::encoder);
        r.register(BertBlock.class, BuiltInRules::bert);
        r.register(BertNextSentenceBlock.class, (b, c) -> new QBertNextSentenceBlock(b));
        r.register(BertMaskedLanguageModelBlock.class, BuiltInRules::maskedLanguageModel);
        r.register(BertPretrainingBlock.class, BuiltInRules::pretraining);

        r.registerLambda("ReLU", (b, c) -> new QReLU(b));
        r.registerLambda("identity", (b, c) -> b);
        r.registerLambda("batchFlatten", (b, c) -> new QReshape(b));
        for (String pool : new String[] {"globalAvgPool1d", "globalAvgPool2d", "globalAvgPool3d"}) {
            r.registerLambda(pool, (b, c) -> new QGlobalAvgPool(b));
        }
        r.registerLambda("maxPool2d", (b, c) -> PoolingRecognizer.maxPool2d(b));
        r.registerLambda("avgPool2d", (b, c) -> PoolingRecognizer.avgPool(b, 2));
        r.registerLambda("maxPool1d", (b, c) -> PoolingRecognizer.maxPool(b, 1));
        r.registerLambda("maxPool3d", (b, c) -> PoolingRecognizer.maxPool(b, 3));
        r.registerLambda("avgPool1d", (b, c) -> PoolingRecognizer.avgPool(b, 1));
        r.registerLambda("avgPool3d", (b, c) -> PoolingRecognizer.avgPool(b, 3));
        for (int axes = 1; axes <= 3; axes++) {
            int a = axes;
            r.registerLambda("globalMaxPool" + axes + "d", (b, c) -> PoolingRecognizer.globalMaxPool(b, a));
        }
    }

    /** Dense embeddings; sparse gradients are left to the generic wrapper. */
    @SuppressWarnings("rawtypes")
    private static Block embedding(Embedding block) {
        SparseFormat format = BlockIntrospection.read(block, Embedding.class, "sparseFormat", SparseFormat.class);
        return format == SparseFormat.DENSE ? new QEmbedding(block) : null;
    }

    private static List<Block> children(Block parent, Converter converter) {
        List<Block> out = new ArrayList<>();
        for (Block child : parent.getChildren().values()) {
            out.add(converter.convert(child));
        }
        return out;
    }

    private static Block sequential(SequentialBlock block, Converter converter) {
        return new QSequential(block, children(block, converter));
    }

    private static Block parallel(ParallelBlock block, Converter converter) {
        @SuppressWarnings("unchecked")
        Function<List<NDList>, NDList> join =
                BlockIntrospection.read(block, ParallelBlock.class, "function", Function.class);
        List<Block> branches = children(block, converter);
        return new QParallel(block, join, JoinRecognizer.classify(join, branches.size()), branches);
    }

    /**
     * DJL's transformer blocks compute arithmetic between children held in concretely typed
     * fields: each has a dedicated Q-composite.
     */
    private static QTransformerEncoderBlock encoder(TransformerEncoderBlock block, Converter converter) {
        Class<?> type = TransformerEncoderBlock.class;
        ScaledDotProductAttentionBlock attention =
                BlockIntrospection.read(block, type, "selfAttentionBlock", ScaledDotProductAttentionBlock.class);
        Block feedForward = BlockIntrospection.read(block, type, "pointWisefullyConnected", Block.class);
        return new QTransformerEncoderBlock(
                block, (QAttention) converter.convert(attention), converter.convert(feedForward));
    }

    @SuppressWarnings("unchecked")
    private static QBertMaskedLanguageModelBlock maskedLanguageModel(BertMaskedLanguageModelBlock block, Converter converter) {
        Function<NDArray, NDArray> activation =
                BlockIntrospection.read(block, BertMaskedLanguageModelBlock.class, "hiddenActivation", Function.class);
        return new QBertMaskedLanguageModelBlock(block, converter.convert(LambdaBlock.singleton(activation, "hiddenActivation")));
    }

    private static Block pretraining(BertPretrainingBlock block, Converter converter) {
        Class<?> type = BertPretrainingBlock.class;
        BertBlock bert = BlockIntrospection.read(block, type, "bertBlock", BertBlock.class);
        Block q = converter.convert(bert);
        Block ns = converter.convert(BlockIntrospection.read(block, type, "nsBlock", BertNextSentenceBlock.class));
        Block ml = converter.convert(BlockIntrospection.read(block, type, "mlBlock", BertMaskedLanguageModelBlock.class));
        if (!(q instanceof QBertBlock qb) || !(ns instanceof QBertNextSentenceBlock qns) || !(ml instanceof QBertMaskedLanguageModelBlock qml)) {
            return null;
        }
        return new QBertPretrainingBlock(block, bert, qb, qns, qml);
    }

    private static Block bert(BertBlock block, Converter converter) {
        List<?> blocks = BlockIntrospection.read(block, BertBlock.class, "transformerEncoderBlocks", List.class);
        List<QTransformerEncoderBlock> encoders = new ArrayList<>(blocks.size());
        for (Object b : blocks) {
            encoders.add((QTransformerEncoderBlock) converter.convert((Block) b));
        }
        return new QBertBlock(block, encoders);
    }
}
