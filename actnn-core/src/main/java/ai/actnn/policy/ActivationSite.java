package ai.actnn.policy;

import ai.actnn.config.ActNNConfig;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One place in a model where an activation is saved for backward: a Q-layer's input. Sites are
 * stable across steps, so per-layer statistics (the adaptive level's sensitivities, the auto
 * level's error measurements) can be keyed by them. Each Q-layer owns its sites.
 */
public final class ActivationSite {

    /** What kind of layer saves the activation; the bit policies treat kinds differently. */
    public enum Kind {
        /** Convolution or transposed convolution: sensitivity scales with the kernel area. */
        CONV,
        /** Linear (fully connected) layer. */
        LINEAR,
        /** Batch normalisation: copies the preceding layer's bits in ActNN's scheme. */
        BATCH_NORM,
        /** Layer normalisation. */
        LAYER_NORM,
        /** Any other layer (recomputed from its input in backward). */
        OTHER
    }

    private static final AtomicInteger NEXT_ID = new AtomicInteger();

    private final int id;
    private final String name;
    private final Kind kind;
    private final double kernelArea;
    private final int defaultLayerGroup;
    private final ConvolutionWindow window;
    private final int channelAxis;
    private final boolean ghostBatches;

    /**
     * Creates a site.
     *
     * @param name a readable name for logs (e.g. "QConv2d[64->128, 3x3]")
     * @param kind the kind of layer
     * @param kernelArea for convolutions, the kernel area divided by the groups (1 otherwise)
     */
    public ActivationSite(String name, Kind kind, double kernelArea) {
        this(name, kind, kernelArea, 0);
    }

    /**
     * Creates a site with a default layer group other than 0.
     *
     * @param name a readable name for logs and layer-group rules
     * @param kind the kind of layer
     * @param kernelArea for convolutions, the kernel area divided by the groups (1 otherwise)
     * @param defaultLayerGroup the layer group unless a configuration rule says otherwise
     * @throws IllegalArgumentException if the group is negative
     */
    public ActivationSite(String name, Kind kind, double kernelArea, int defaultLayerGroup) {
        this(name, kind, kernelArea, defaultLayerGroup, null, 1, false);
    }

    private ActivationSite(
            String name, Kind kind, double kernelArea, int defaultLayerGroup, ConvolutionWindow window, int channelAxis,
            boolean ghostBatches) {
        if (defaultLayerGroup < 0) {
            throw new IllegalArgumentException(
                    "layer group " + defaultLayerGroup + " is negative: allowed are 0 and above");
        }
        if (channelAxis < 1) {
            throw new IllegalArgumentException("channel axis " + channelAxis + ": allowed are 1 and above (0 is the samples)");
        }
        this.defaultLayerGroup = defaultLayerGroup;
        this.id = NEXT_ID.getAndIncrement();
        this.name = name;
        this.kind = kind;
        this.kernelArea = kernelArea;
        this.window = window;
        this.channelAxis = channelAxis;
        this.ghostBatches = ghostBatches;
    }

    /**
     * Creates the site of a (transposed) convolution's input, with the geometry that the auto
     * level's error bound sums over ({@link ConvolutionWindow}).
     *
     * @param name a readable name for logs and layer-group rules
     * @param window the convolution's geometry
     * @return a {@link Kind#CONV} site whose kernel area is the window's over its groups
     */
    public static ActivationSite convolution(String name, ConvolutionWindow window) {
        return new ActivationSite(name, Kind.CONV, window.kernelAreaPerGroup(), 0, window, 1, false);
    }

    /**
     * Creates the site of a batch normalisation's saved (standardised) input.
     *
     * @param name a readable name for logs and layer-group rules
     * @param channelAxis the axis of the normalised channels (1 for {@code [N, C, ...]})
     * @param ghostBatches whether the statistics are per ghost batch of samples, not per batch
     * @return a {@link Kind#BATCH_NORM} site
     */
    public static ActivationSite batchNorm(String name, int channelAxis, boolean ghostBatches) {
        return batchNorm(name, channelAxis, ghostBatches, 0);
    }

    /**
     * Returns a batch-norm site with a default layer group other than 0.
     *
     * @param name a readable name for logs and layer-group rules
     * @param channelAxis the axis of the channels (1 and above)
     * @param ghostBatches whether statistics are taken over virtual batches
     * @param defaultLayerGroup the layer group unless a configuration rule says otherwise
     * @return the site
     * @throws IllegalArgumentException if the axis is below 1 or the group negative
     */
    public static ActivationSite batchNorm(String name, int channelAxis, boolean ghostBatches, int defaultLayerGroup) {
        return new ActivationSite(name, Kind.BATCH_NORM, 1, defaultLayerGroup, null, channelAxis, ghostBatches);
    }

    /**
     * Returns a process-unique id, increasing in creation order.
     *
     * @return the id
     */
    public int getId() {
        return id;
    }

    /**
     * Returns the readable name.
     *
     * @return the name
     */
    public String getName() {
        return name;
    }

    /**
     * Returns the kind of layer.
     *
     * @return the kind
     */
    public Kind getKind() {
        return kind;
    }

    /**
     * Returns the kernel area over the groups (convolutions) or 1.
     *
     * @return the kernel area factor of the sensitivity
     */
    public double getKernelArea() {
        return kernelArea;
    }

    /**
     * Returns the geometry of a convolution site created by {@link #convolution}.
     *
     * @return the window, or null (other sites, and convolution sites created without one)
     */
    public ConvolutionWindow getConvolutionWindow() {
        return window;
    }

    /**
     * Returns the channel axis of a batch normalisation site (1 unless {@link #batchNorm} said
     * otherwise).
     *
     * @return the axis
     */
    public int getChannelAxis() {
        return channelAxis;
    }

    /**
     * Returns whether a batch normalisation site normalises ghost batches (statistics per group of
     * samples rather than per batch).
     *
     * @return whether ghost batches
     */
    public boolean hasGhostBatches() {
        return ghostBatches;
    }

    /**
     * Returns the layer group whose bits apply (ActNN's index into activation_compression_bits)
     * under a configuration: its {@linkplain ActNNConfig.Builder#optLayerGroup rules} for this
     * site's name, else the site's default.
     *
     * @param config the configuration
     * @return the layer group
     */
    public int layerGroupIn(ActNNConfig config) {
        return config.layerGroupOf(name, defaultLayerGroup);
    }

    /**
     * Returns the layer group of this site when no configuration rule names it.
     *
     * @return the default layer group
     */
    public int getDefaultLayerGroup() {
        return defaultLayerGroup;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return name + "#" + id;
    }
}
