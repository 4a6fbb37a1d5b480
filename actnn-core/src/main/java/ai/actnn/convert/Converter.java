package ai.actnn.convert;

import ai.actnn.internal.BlockIntrospection;

import ai.actnn.nn.container.JoinKind;
import ai.actnn.nn.norm.QBatchNorm;
import ai.actnn.nn.conv.QConv1d;
import ai.actnn.nn.conv.QConv1dTranspose;
import ai.actnn.nn.conv.QConv2d;
import ai.actnn.nn.conv.QConv2dTranspose;
import ai.actnn.nn.conv.QConv3d;
import ai.actnn.nn.transformer.QAttention;
import ai.actnn.nn.transformer.QBertBlock;
import ai.actnn.nn.norm.QDropout;
import ai.actnn.nn.core.QEmbedding;
import ai.actnn.nn.activation.QGelu;
import ai.actnn.nn.norm.QLayerNorm;
import ai.actnn.nn.activation.QSigmoid;
import ai.actnn.nn.activation.QSoftmax;
import ai.actnn.nn.activation.QSwish;
import ai.actnn.nn.activation.QTanh;
import ai.actnn.nn.transformer.QTransformerEncoderBlock;
import ai.actnn.nn.core.QGeneric;
import ai.actnn.nn.pool.QGlobalAvgPool;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.core.QLinear;
import ai.actnn.nn.container.QParallel;
import ai.actnn.nn.activation.QReLU;
import ai.actnn.nn.core.QReshape;
import ai.actnn.nn.container.QSequential;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv1dTranspose;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites a DJL block tree with Q-layers: recursively through {@link SequentialBlock}s, {@link
 * ParallelBlock}s (with their joins recognised) and other composite blocks, replacing every
 * leaf block by its Q-layer, or by {@link QGeneric} when it has none. Activation lambdas (ReLU,
 * GELU, swish/SiLU, tanh, sigmoid, softmax) are recognised by probing them, or by DJL's names.
 * DJL's transformer blocks (BERT, encoder, attention) get dedicated Q-composites.
 *
 * <p>DJL's containers are rebuilt as Q-containers (the originals are left untouched). Other
 * composite blocks are converted in place: each child is replaced in the block's child list and
 * in every field of the block that refers to it. If some field cannot hold the replacement (its
 * type is a concrete DJL class), the whole composite is wrapped in {@link QGeneric} instead:
 * compressed inputs, recomputed in backward, always correct.
 */
public final class Converter {

    private static final Logger logger = LoggerFactory.getLogger(Converter.class);

    private final Map<String, Integer> counts = new TreeMap<>();

    /**
     * Converts a block.
     *
     * @param block the block
     * @return the converted block (possibly the same object, converted in place)
     */
    public Block convert(Block block) {
        Block converted = rewrite(block);
        logger.info("ActNN converted {}: {}", block.getClass().getSimpleName(), counts);
        return converted;
    }

    /**
     * Returns how many blocks of each Q-type the last conversions produced.
     *
     * @return counts by Q-layer name
     */
    public Map<String, Integer> getCounts() {
        return counts;
    }

    private Block rewrite(Block block) {
        if (block instanceof QLayer || block instanceof QSequential || block instanceof QParallel) {
            return block;
        }
        if (block instanceof SequentialBlock) {
            SequentialBlock seq = (SequentialBlock) block;
            return count(new QSequential(seq, convertChildren(seq)));
        }
        if (block instanceof ParallelBlock) {
            ParallelBlock par = (ParallelBlock) block;
            @SuppressWarnings("unchecked")
            Function<List<NDList>, NDList> join =
                    BlockIntrospection.read(par, ParallelBlock.class, "function", Function.class);
            List<Block> branches = convertChildren(par);
            JoinKind kind = FunctionProbe.classifyJoin(join, branches.size());
            return count(new QParallel(par, join, kind, branches));
        }
        Block transformer = transformer(block);
        if (transformer != null) {
            return count(transformer);
        }
        Block leaf = leaf(block);
        if (leaf != null) {
            return count(leaf);
        }
        if (!block.getChildren().isEmpty()) {
            return composite(block);
        }
        return count(new QGeneric(block));
    }

    /**
     * DJL's transformer blocks compute arithmetic between children held in concretely typed
     * fields, so they cannot be converted in place: each has a dedicated Q-composite.
     */
    private Block transformer(Block block) {
        if (block instanceof TransformerEncoderBlock) {
            return encoder((TransformerEncoderBlock) block);
        }
        if (block instanceof ScaledDotProductAttentionBlock) {
            return new QAttention((ScaledDotProductAttentionBlock) block);
        }
        if (block instanceof BertBlock) {
            BertBlock bert = (BertBlock) block;
            List<?> blocks = BlockIntrospection.read(bert, BertBlock.class, "transformerEncoderBlocks", List.class);
            List<QTransformerEncoderBlock> encoders = new ArrayList<>(blocks.size());
            for (Object b : blocks) {
                encoders.add(count(encoder((TransformerEncoderBlock) b)));
            }
            return new QBertBlock(bert, encoders);
        }
        return null;
    }

    private QTransformerEncoderBlock encoder(TransformerEncoderBlock block) {
        ScaledDotProductAttentionBlock attention =
                BlockIntrospection.read(
                        block, TransformerEncoderBlock.class, "selfAttentionBlock", ScaledDotProductAttentionBlock.class);
        Block feedForward =
                BlockIntrospection.read(block, TransformerEncoderBlock.class, "pointWisefullyConnected", Block.class);
        return new QTransformerEncoderBlock(block, count(new QAttention(attention)), rewrite(feedForward));
    }

    private Block leaf(Block block) {
        if (block instanceof Conv2d) {
            return new QConv2d((Conv2d) block);
        } else if (block instanceof Conv1d) {
            return new QConv1d((Conv1d) block);
        } else if (block instanceof Conv3d) {
            return new QConv3d((Conv3d) block);
        } else if (block instanceof Conv2dTranspose) {
            return new QConv2dTranspose((Conv2dTranspose) block);
        } else if (block instanceof Conv1dTranspose) {
            return new QConv1dTranspose((Conv1dTranspose) block);
        } else if (block instanceof Linear) {
            return new QLinear((Linear) block);
        } else if (block instanceof BatchNorm) {
            return new QBatchNorm((BatchNorm) block);
        } else if (block instanceof Dropout) {
            return new QDropout((Dropout) block);
        } else if (block instanceof LambdaBlock) {
            return lambda((LambdaBlock) block);
        } else if (block instanceof LayerNorm) {
            return new QLayerNorm((LayerNorm) block);
        } else if (block instanceof IdEmbedding) {
            return new QEmbedding((IdEmbedding) block);
        } else if (block instanceof Embedding) {
            return embedding((Embedding<?>) block);
        }
        return null;
    }

    private Block lambda(LambdaBlock block) {
        switch (block.getName()) {
            case "ReLU":
                return new QReLU(block);
            case "identity":
                return block;
            case "batchFlatten":
                return new QReshape(block);
            case "globalAvgPool1d":
            case "globalAvgPool2d":
            case "globalAvgPool3d":
                return new QGlobalAvgPool(block);
            case "maxPool2d":
                return orGeneric(PoolingRecognizer.maxPool2d(block), block);
            case "avgPool2d":
                return orGeneric(PoolingRecognizer.avgPool2d(block), block);
            default:
                break;
        }
        if (!block.getParameters().isEmpty()) {
            return new QGeneric(block);
        }
        FunctionProbe.Verdict verdict = FunctionProbe.classify(block);
        FunctionProbe.Unary kind = verdict.kind;
        if (kind == FunctionProbe.Unary.UNKNOWN) {
            // DJL's own activation factories, when probing failed (e.g. shape-specific lambdas).
            kind = byDjlName(block.getName());
        }
        switch (kind) {
            case IDENTITY:
                return block;
            case RELU:
                return new QReLU(block);
            case GELU:
                return new QGelu(block);
            case SWISH:
                return new QSwish(block, verdict.parameter);
            case TANH:
                return new QTanh(block);
            case SIGMOID:
                return new QSigmoid(block);
            case SOFTMAX:
                return new QSoftmax(block, (int) verdict.parameter);
            default:
                return new QGeneric(block);
        }
    }

    private static FunctionProbe.Unary byDjlName(String name) {
        switch (name) {
            case "GELU":
                return FunctionProbe.Unary.GELU;
            case "Tanh":
                return FunctionProbe.Unary.TANH;
            case "sigmoid":
                return FunctionProbe.Unary.SIGMOID;
            default:
                return FunctionProbe.Unary.UNKNOWN;
        }
    }

    private static Block embedding(Embedding<?> block) {
        SparseFormat format = BlockIntrospection.read(block, Embedding.class, "sparseFormat", SparseFormat.class);
        if (format != SparseFormat.DENSE) {
            logger.info(
                    "{} has sparse gradients ({}): it is recomputed from its indices instead",
                    block.getClass().getSimpleName(),
                    format);
            return new QGeneric(block);
        }
        return new QEmbedding(block);
    }

    private static Block orGeneric(Block recognised, LambdaBlock block) {
        if (recognised != null) {
            return recognised;
        }
        logger.info("{} not recognised: it will be recomputed from its compressed input", block.getName());
        return new QGeneric(block);
    }

    private List<Block> convertChildren(Block parent) {
        List<Block> out = new ArrayList<>();
        for (Block child : parent.getChildren().values()) {
            out.add(rewrite(child));
        }
        return out;
    }

    private Block composite(Block block) {
        if (!(block instanceof AbstractBlock) || !replaceable(block)) {
            logger.info(
                    "{} holds children in fields that cannot hold their Q-layers: it is wrapped"
                            + " whole and recomputed in backward",
                    block.getClass().getSimpleName());
            return count(new QGeneric(block));
        }
        BlockList children =
                BlockIntrospection.read(block, AbstractBlock.class, "children", BlockList.class);
        for (int i = 0; i < children.size(); i++) {
            Block child = children.valueAt(i);
            Block converted = rewrite(child);
            if (converted != child) {
                String key = children.keyAt(i);
                children.remove(i);
                children.add(i, key, converted);
                replaceFields(block, child, converted);
            }
        }
        logger.info("{} converted in place", block.getClass().getSimpleName());
        return block;
    }

    /** Whether every field referring to a child could hold any block (its Q-layer). */
    private static boolean replaceable(Block block) {
        List<Block> children = block.getChildren().values();
        for (Field f : fields(block.getClass())) {
            Object value = get(f, block);
            for (Block child : children) {
                if (value == child && !f.getType().isAssignableFrom(QGeneric.class)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void replaceFields(Block owner, Block from, Block to) {
        for (Field f : fields(owner.getClass())) {
            if (get(f, owner) == from) {
                try {
                    f.set(owner, to);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot replace " + f + " of " + owner.getClass().getName(), e);
                }
            }
        }
    }

    private static List<Field> fields(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = type; c != null && c != AbstractBlock.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                    f.setAccessible(true);
                    out.add(f);
                }
            }
        }
        return out;
    }

    private static Object get(Field f, Object owner) {
        try {
            return f.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f, e);
        }
    }

    private <B extends Block> B count(B block) {
        String name =
                block instanceof QLayer
                        ? ((QLayer) block).displayName()
                        : block.getClass().getSimpleName();
        if (block instanceof QGeneric) {
            name = "QGeneric";
        }
        counts.merge(name, 1, Integer::sum);
        return block;
    }
}
