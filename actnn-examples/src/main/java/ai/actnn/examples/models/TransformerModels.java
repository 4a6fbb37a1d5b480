package ai.actnn.examples.models;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.nn.transformer.TransformerEncoderBlock;

/**
 * Transformer models built from plain DJL blocks, for benchmarks and examples. Converted with
 * {@code QModule.convert}, every one of them saves only compressed activations.
 */
public final class TransformerModels {

    /** BERT's dictionary size (uncased WordPiece vocabulary). */
    public static final int BERT_VOCABULARY = 30522;

    private TransformerModels() {}

    /**
     * A BERT-tiny classifier: DJL's {@link BertBlock} (2 layers, {@code width / 64} heads (at
     * least 2), hidden size {@code 4 * width}, dropout 0.1) and a linear head on BERT's pooled
     * output. Inputs are DJL's BERT inputs, each of shape (batch, seqLen): token ids, type ids
     * (0/1) and the input mask (1 for tokens, 0 for padding).
     *
     * @param seqLen the sequence length (BERT's position table has exactly this many rows)
     * @param width the embedding size (a multiple of the head count; BERT-tiny uses 128)
     * @return the model
     */
    public static Block bertTiny(int seqLen, int width) {
        return bertTiny(seqLen, width, BERT_VOCABULARY, 2);
    }

    /**
     * A BERT-tiny classifier (see {@link #bertTiny(int, int)}) with a chosen vocabulary and
     * number of classes.
     *
     * @param seqLen the sequence length
     * @param width the embedding size
     * @param vocabulary the token dictionary size
     * @param classes the number of classes
     * @return the model
     */
    public static Block bertTiny(int seqLen, int width, int vocabulary, int classes) {
        check(seqLen > 0, "sequence length " + seqLen + " must be positive");
        int heads = bertTinyHeads(width);
        check(width > 0 && width % heads == 0, "width " + width + " must be a positive multiple of " + heads);
        check(classes > 0 && vocabulary > 0, "classes and vocabulary must be positive");
        BertBlock bert =
                BertBlock.builder()
                        .setTokenDictionarySize(vocabulary)
                        .optTypeDictionarySize(2)
                        .optEmbeddingSize(width)
                        .optTransformerBlockCount(2)
                        .optAttentionHeadCount(heads)
                        .optHiddenSize(4 * width)
                        .optHiddenDropoutProbability(0.1f)
                        .optMaxSequenceLength(seqLen)
                        .build();
        return new SequentialBlock()
                .add(bert)
                // BERT returns (sequence output, pooled output): classify the pooled one.
                .add(new LambdaBlock(outputs -> new NDList(outputs.get(1)), "bertPooled"))
                .add(Linear.builder().setUnits(classes).build());
    }

    /**
     * Returns the number of attention heads of {@link #bertTiny(int, int, int, int)} at a width:
     * {@code max(2, width / 64)}.
     *
     * @param width the embedding size
     * @return the head count
     */
    public static int bertTinyHeads(int width) {
        return Math.max(2, width / 64);
    }

    /**
     * A transformer encoder classifier over sequences of vectors: a linear input projection,
     * {@code layers} DJL {@link TransformerEncoderBlock}s with GELU, and a linear head on the
     * flattened sequence. Input shape: (batch, seqLen, features).
     *
     * @param width the embedding size
     * @param heads the attention heads (dividing width)
     * @param hidden the feed-forward hidden size
     * @param layers the number of encoder blocks
     * @param dropout the dropout rate inside the blocks
     * @param classes the number of classes
     * @return the model
     */
    public static Block transformer(int width, int heads, int hidden, int layers, float dropout, int classes) {
        return encoderClassifier(Linear.builder().setUnits(width).build(), width, heads, hidden, layers, dropout, classes);
    }

    /**
     * A transformer encoder classifier over token ids: an id embedding, {@code layers} encoder
     * blocks with GELU and a linear head on the flattened sequence. Input shape: (batch, seqLen)
     * of token ids.
     *
     * @param vocabulary the token dictionary size
     * @param width the embedding size
     * @param heads the attention heads
     * @param hidden the feed-forward hidden size
     * @param layers the number of encoder blocks
     * @param dropout the dropout rate inside the blocks
     * @param classes the number of classes
     * @return the model
     */
    public static Block tokenTransformer(
            int vocabulary, int width, int heads, int hidden, int layers, float dropout, int classes) {
        check(vocabulary > 0, "vocabulary " + vocabulary + " must be positive");
        Block embedding = new IdEmbedding.Builder().setDictionarySize(vocabulary).setEmbeddingSize(width).build();
        return encoderClassifier(embedding, width, heads, hidden, layers, dropout, classes);
    }

    /**
     * Classifies MNIST digits read as sequences of 28 rows of 28 pixels: {@link #transformer}
     * with width 64, 4 heads, hidden 128, 2 layers, dropout 0.1 and 10 classes. Input shape:
     * (batch, 28, 28), pixels in [0, 1].
     *
     * @return the model
     */
    public static Block mnistRowsTransformer() {
        return TransformerSpec.mnistRows(28, 28).build();
    }

    private static Block encoderClassifier(
            Block input, int width, int heads, int hidden, int layers, float dropout, int classes) {
        check(width > 0 && heads > 0 && width % heads == 0, "width " + width + " must be a positive multiple of heads " + heads);
        check(hidden > 0 && layers > 0 && classes > 0, "hidden size, layers and classes must be positive");
        check(dropout >= 0 && dropout < 1, "dropout " + dropout + " must be in [0, 1)");
        SequentialBlock net = new SequentialBlock().add(input);
        for (int i = 0; i < layers; i++) {
            net.add(new TransformerEncoderBlock(width, heads, hidden, dropout, Activation::gelu));
        }
        return net.add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(classes).build());
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
