package ai.actnn.nn;

import ai.actnn.autograd.Tape;
import ai.actnn.policy.ActivationSite;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the Q-layers: a wrapper around one DJL block that shares its parameters and behaves
 * exactly like it at inference, and in training under an ActNN gradient collector computes
 * without an autograd graph, saves a compressed input and records its backward on the {@link
 * Tape}.
 *
 * <p>The wrapped block is not a child in DJL's sense: the Q-layer presents the block's parameters
 * as its own and writes exactly the block's parameter stream, so a converted model saves files
 * that the unconverted model loads, and back. Under a plain DJL trainer (no tape) a Q-layer runs
 * the wrapped block with autograd, uncompressed, and warns once.
 */
public abstract class QLayer extends AbstractBlock implements QBlock {

    private static final Logger logger = LoggerFactory.getLogger(QLayer.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** The wrapped DJL block. */
    protected final Block original;

    /**
     * Where this layer saves its input for backward (set once by the constructor of layers
     * that save one); null for layers that save no activation. Its name is what layer-group
     * rules of the configuration match.
     */
    protected ActivationSite site;

    /**
     * Wraps a block.
     *
     * @param original the DJL block
     */
    protected QLayer(Block original) {
        this.original = original;
    }

    /**
     * Returns where this layer saves its input for backward: the key of its per-layer bit
     * statistics, whose name the configuration's layer-group rules match.
     *
     * @return the site, or null if this layer saves no activation
     */
    public ActivationSite getSite() {
        return site;
    }

    /**
     * Returns the wrapped DJL block.
     *
     * @return the block
     */
    public Block getOriginal() {
        return original;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        if (training) {
            Tape tape = Tape.current();
            if (tape != null) {
                return forwardRecorded(tape, parameterStore, inputs, params);
            }
            if (WARNED.compareAndSet(false, true)) {
                logger.warn(
                        "{} is training without an ActNN gradient collector: it trains correctly"
                                + " but uncompressed. Create the trainer with ActNN.newTrainer(model,"
                                + " config) to compress activations.",
                        getClass().getSimpleName());
            }
        }
        return forwardPlain(parameterStore, inputs, training, params);
    }

    /**
     * The forward of the wrapped block, with autograd as usual (inference, or training without
     * a tape).
     *
     * @param parameterStore the parameter store
     * @param inputs the inputs
     * @param training whether training
     * @param params optional parameters
     * @return the outputs
     */
    protected NDList forwardPlain(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return original.forward(parameterStore, inputs, training, params);
    }

    /**
     * The compressed training forward: compute without autograd, save, record on the tape.
     *
     * @param tape the step's tape
     * @param parameterStore the parameter store
     * @param inputs the inputs
     * @param params optional parameters
     * @return the outputs
     */
    protected abstract NDList forwardRecorded(
            Tape tape, ParameterStore parameterStore, NDList inputs, PairList<String, Object> params);

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return original.getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] dataTypes) {
        return original.getOutputShapes(inputShapes, dataTypes);
    }

    /** {@inheritDoc} */
    @Override
    public DataType[] getOutputDataTypes() {
        return original.getOutputDataTypes();
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        original.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public boolean isInitialized() {
        return original.isInitialized();
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getInputShapes() {
        return original.getInputShapes();
    }

    /** {@inheritDoc} */
    @Override
    public PairList<String, Shape> describeInput() {
        return original.describeInput();
    }

    /** {@inheritDoc} */
    @Override
    public ParameterList getParameters() {
        return original.getParameters();
    }

    /** {@inheritDoc} */
    @Override
    public ParameterList getDirectParameters() {
        return original.getDirectParameters();
    }

    /** {@inheritDoc} */
    @Override
    public BlockList getChildren() {
        return new BlockList();
    }

    /** {@inheritDoc} */
    @Override
    public void setInitializer(Initializer initializer, Parameter.Type type) {
        original.setInitializer(initializer, type);
    }

    /** {@inheritDoc} */
    @Override
    public void setInitializer(Initializer initializer, String paramName) {
        original.setInitializer(initializer, paramName);
    }

    /** {@inheritDoc} */
    @Override
    public void setInitializer(Initializer initializer, Predicate<Parameter> predicate) {
        original.setInitializer(initializer, predicate);
    }

    /** {@inheritDoc} */
    @Override
    public void clear() {
        original.clear();
    }

    /** {@inheritDoc} */
    @Override
    public void cast(DataType dataType) {
        original.cast(dataType);
    }

    /** {@inheritDoc} */
    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        original.saveParameters(os);
    }

    /** {@inheritDoc} */
    @Override
    public void loadParameters(NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {
        original.loadParameters(manager, is);
    }

    /**
     * Returns the name under which containers list this layer, e.g. {@code QConv2d} or {@code
     * QGeneric(maxPool1d)}.
     *
     * @return the display name
     */
    public String displayName() {
        return getClass().getSimpleName();
    }
}
