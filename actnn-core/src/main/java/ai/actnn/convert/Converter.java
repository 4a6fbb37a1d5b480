package ai.actnn.convert;

import ai.actnn.internal.BlockIntrospection;
import ai.actnn.internal.DjlCompatibility;
import ai.actnn.nn.QBlock;
import ai.actnn.nn.QLayer;
import ai.actnn.nn.activation.QElementwise;
import ai.actnn.nn.core.QGeneric;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a DJL block tree to Q-layers with a {@link ConversionRegistry}, leaving the given tree
 * unchanged. Each block becomes:
 *
 * <ol>
 *   <li>itself if it is a Q-block already ({@link QBlock});
 *   <li>what its registered factory makes (by lambda name, class or nearest superclass);
 *   <li>for a parameterless lambda block: the Q-layer of the activation it is proven to compute
 *       (probed exactly, at large magnitudes and at its kinks), else, if it is verified to be
 *       element-wise, {@link QElementwise} (its derivative kept at the level's bits);
 *   <li>for another composite block: a copy whose children are converted, sharing the original's
 *       parameters;
 *   <li>otherwise {@link QGeneric}: its inputs compressed, recomputed in backward (always
 *       correct), with one WARN line per block type saying so.
 * </ol>
 *
 * <p>A block that appears several times in the tree is converted once.
 */
public final class Converter {

    private static final Logger logger = LoggerFactory.getLogger(Converter.class);

    private final ConversionRegistry registry;
    private final Map<Block, Block> done = new IdentityHashMap<>();
    private final Map<String, Integer> counts = new TreeMap<>();
    private final Set<String> warned = new TreeSet<>();

    /**
     * Creates a converter.
     *
     * @param registry the conversion entries
     */
    public Converter(ConversionRegistry registry) {
        if (registry == null) {
            throw new IllegalArgumentException("the conversion registry must not be null");
        }
        this.registry = registry;
        DjlCompatibility.check();
    }

    /**
     * Converts a block and its children.
     *
     * @param block the block (left unchanged)
     * @return the converted block
     */
    public Block convert(Block block) {
        if (block == null) {
            throw new IllegalArgumentException("block must not be null");
        }
        Block known = done.get(block);
        if (known != null) {
            return known;
        }
        Block converted = rewrite(block);
        done.put(block, converted);
        return converted;
    }

    /**
     * Returns how many blocks of each kind the conversions so far produced.
     *
     * @return counts by Q-layer name
     */
    public Map<String, Integer> getCounts() {
        return counts;
    }

    private Block rewrite(Block block) {
        if (block instanceof QBlock) {
            return block;
        }
        QLayerFactory<Block> factory = registry.factoryFor(block);
        if (factory != null) {
            Block made = factory.convert(block, this);
            if (made != null) {
                return count(made);
            }
            return generic(block, "its conversion does not apply to this instance");
        }
        if (block instanceof LambdaBlock && block.getParameters().isEmpty()) {
            Block recognised = ActivationRecognizer.recognize(block);
            if (recognised != null) {
                return count(recognised);
            }
            if (ElementwiseRecognizer.isElementwise(block)) {
                logger.info(
                        "{}: an element-wise function of no dedicated Q-layer; it keeps its derivative at the"
                                + " level's bits (QElementwise)",
                        describe(block));
                return count(new QElementwise(block));
            }
            return generic(block, "what it computes was not recognised");
        }
        if (!block.getChildren().isEmpty()) {
            return composite(block);
        }
        return generic(block, "it has no dedicated Q-layer");
    }

    private Block composite(Block block) {
        Map<Block, Block> replacements = new IdentityHashMap<>();
        boolean changed = false;
        for (Block child : block.getChildren().values()) {
            Block converted = convert(child);
            replacements.put(child, converted);
            changed |= converted != child;
        }
        if (!changed) {
            return block;
        }
        Optional<Block> copy = block instanceof AbstractBlock
                ? BlockIntrospection.rebuild((AbstractBlock) block, replacements)
                : Optional.empty();
        if (copy.isPresent()) {
            logger.info("{} converted as a copy with Q-layer children", describe(block));
            return count(copy.get());
        }
        return generic(block, "it holds its children in fields that cannot hold their Q-layers");
    }

    private Block generic(Block block, String why) {
        String name = describe(block);
        if (warned.add(name)) {
            logger.warn(
                    "{}: {}; it is wrapped in QGeneric, which keeps its inputs compressed and recomputes it in"
                            + " backward (correct, one more forward of it per step)",
                    name,
                    why);
        }
        return count(new QGeneric(block));
    }

    private static String describe(Block block) {
        return block instanceof LambdaBlock lambda ? "LambdaBlock " + lambda.getName() : block.getClass().getSimpleName();
    }

    private Block count(Block block) {
        String name = block instanceof QGeneric ? "QGeneric" : block instanceof QLayer q ? q.displayName() : block.getClass().getSimpleName();
        counts.merge(name, 1, Integer::sum);
        return block;
    }
}
