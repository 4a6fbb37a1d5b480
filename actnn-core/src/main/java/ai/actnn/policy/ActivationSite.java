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
        if (defaultLayerGroup < 0) {
            throw new IllegalArgumentException(
                    "layer group " + defaultLayerGroup + " is negative: allowed are 0 and above");
        }
        this.defaultLayerGroup = defaultLayerGroup;
        this.id = NEXT_ID.getAndIncrement();
        this.name = name;
        this.kind = kind;
        this.kernelArea = kernelArea;
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
