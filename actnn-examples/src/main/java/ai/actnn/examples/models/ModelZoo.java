package ai.actnn.examples.models;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

import java.util.List;
import java.util.Locale;

/**
 * Builds the example networks as plain DJL blocks (no ActNN layers: converting them is the
 * engine's job).
 *
 * <table>
 *   <caption>Models</caption>
 *   <tr><th>name</th><th>network</th></tr>
 *   <tr><td>mlp</td><td>flatten, Linear 256, ReLU, Linear 256, ReLU, Linear classes</td></tr>
 *   <tr><td>lenet</td><td>two blocks of Conv2d 5x5 (6 and 16 filters), BatchNorm, ReLU, 2x2 max
 *       pooling; then Linear 120, ReLU, Linear 84, ReLU, Linear classes</td></tr>
 *   <tr><td>convnet</td><td>the demo's MNIST model, whose activations dominate a training step's
 *       memory: Conv2d 3x3 (padding 1), BatchNorm, ReLU at full resolution with 8 filters
 *       ({@value #CONVNET_FULL_RES_LAYERS} times), 2x2 max pooling, the same with 16 filters
 *       ({@value #CONVNET_HALF_RES_LAYERS} times), 2x2 max pooling, Linear classes</td></tr>
 *   <tr><td>resnet18/34/50</td><td>DJL's {@link ResNetV1} with 4 stages: images up to 32 pixels
 *       high get a 3x3 stem without pooling, larger ones the ImageNet stem (7x7 convolution and
 *       max pooling)</td></tr>
 * </table>
 *
 * <p>Note that DJL's ResNet-18 and ResNet-34 are built from bottleneck units (1x1, 3x3 with a
 * quarter of the filters, 1x1), not torchvision's basic blocks: DJL's ResNet-18 has about 0.9
 * million parameters (torchvision's 11.7 million), so its memory figures are not comparable with
 * the PyTorch model of the same name. ResNet-50 matches the standard one.
 */
public final class ModelZoo {

    /** The model names that {@link #build} accepts. */
    public static final List<String> NAMES = List.of("mlp", "lenet", "convnet", "resnet18", "resnet34", "resnet50");

    private static final int MLP_HIDDEN = 256;

    /**
     * Layers of the convnet at full resolution: in plain DJL each keeps three full-resolution
     * tensors (convolution, batch norm and ReLU outputs: 8 x 28 x 28 floats, 25 KiB each per
     * MNIST image) until the batch ends, so together about 0.2 MiB per image with the half-resolution
     * layers, against about 40 KB of weights: activations are what a step's memory is made of.
     */
    static final int CONVNET_FULL_RES_LAYERS = 2;

    /** Layers of the convnet after pooling (16 filters at half resolution). */
    static final int CONVNET_HALF_RES_LAYERS = 2;

    private static final int CONVNET_FILTERS = 8;
    private static final long SMALL_RESNET_HEIGHT = 28;

    private ModelZoo() {}

    /**
     * Builds an uninitialized network.
     *
     * @param name one of {@link #NAMES}, case-insensitive
     * @param imageShape {@code (channels, height, width)} of one input image
     * @param classes the number of output classes
     * @return the network (initialize it with a batch shape {@code (N, C, H, W)})
     * @throws IllegalArgumentException for an unknown name, listing the allowed ones, or a bad shape
     */
    public static Block build(String name, Shape imageShape, int classes) {
        if (imageShape.dimension() != 3 || imageShape.size() <= 0) {
            throw new IllegalArgumentException(
                    "image shape " + imageShape + " is invalid: expected (channels, height, width)");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes " + classes + " is invalid: expected >= 2");
        }
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "mlp" -> mlp(classes);
            case "lenet" -> lenet(imageShape, classes);
            case "convnet" -> convnet(imageShape, classes);
            case "resnet18" -> resnet(18, imageShape, classes);
            case "resnet34" -> resnet(34, imageShape, classes);
            case "resnet50" -> resnet(50, imageShape, classes);
            default -> throw new IllegalArgumentException(
                    "Unknown model '" + name + "': allowed are " + String.join(", ", NAMES));
        };
    }

    /**
     * Returns the number of input channels a model is meant for in the examples: 1 for the MNIST
     * models (mlp, lenet, convnet), 3 for the ResNets.
     *
     * @param name a model name
     * @return the channel count
     * @throws IllegalArgumentException for an unknown name
     */
    public static int defaultChannels(String name) {
        String key = check(name);
        return key.startsWith("resnet") ? 3 : 1;
    }

    /**
     * Returns the image side a model is meant for in the examples: 28 for mlp, lenet and convnet (MNIST), 32
     * for the ResNets (CIFAR size; ImageNet's 224 also works, slowly on a CPU).
     *
     * @param name a model name
     * @return the side in pixels
     * @throws IllegalArgumentException for an unknown name
     */
    public static int defaultImageSize(String name) {
        String key = check(name);
        return key.startsWith("resnet") ? 32 : 28;
    }

    private static String check(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(key)) {
            throw new IllegalArgumentException(
                    "Unknown model '" + name + "': allowed are " + String.join(", ", NAMES));
        }
        return key;
    }

    private static Block mlp(int classes) {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(MLP_HIDDEN).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(MLP_HIDDEN).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(classes).build());
    }

    private static Block lenet(Shape imageShape, int classes) {
        if (imageShape.get(1) < 12 || imageShape.get(2) < 12) {
            throw new IllegalArgumentException("lenet needs images of at least 12x12, not " + imageShape);
        }
        return new SequentialBlock()
                .add(convBlock(6, 2))
                .add(convBlock(16, 0))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(120).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(84).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(classes).build());
    }

    private static Block convnet(Shape imageShape, int classes) {
        if (imageShape.get(1) < 4 || imageShape.get(2) < 4) {
            throw new IllegalArgumentException("convnet needs images of at least 4x4, not " + imageShape);
        }
        SequentialBlock net = new SequentialBlock();
        for (int i = 0; i < CONVNET_FULL_RES_LAYERS; i++) {
            net.add(conv3x3(CONVNET_FILTERS));
        }
        net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        for (int i = 0; i < CONVNET_HALF_RES_LAYERS; i++) {
            net.add(conv3x3(2 * CONVNET_FILTERS));
        }
        // a second pooling keeps the head small (16 x 7 x 7 features for MNIST): the weights stay
        // negligible next to the activations, and the classifier still sees where strokes are
        return net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(classes).build());
    }

    /** Conv2d 3x3 keeping the resolution, BatchNorm, ReLU. */
    private static Block conv3x3(int filters) {
        return convBatchNormRelu(3, 1, filters);
    }

    /** LeNet's block: Conv2d 5x5, BatchNorm, ReLU, 2x2 max pooling. */
    private static Block convBlock(int filters, int padding) {
        return convBatchNormRelu(5, padding, filters).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
    }

    private static SequentialBlock convBatchNormRelu(int kernel, int padding, int filters) {
        return new SequentialBlock()
                .add(Conv2d.builder()
                        .setKernelShape(new Shape(kernel, kernel))
                        .optPadding(new Shape(padding, padding))
                        .setFilters(filters)
                        .build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock());
    }

    private static Block resnet(int layers, Shape imageShape, int classes) {
        // ResNetV1 picks its architecture from the image height: up to 28 pixels it builds the
        // 3-stage CIFAR ResNet, which only exists for 6n+2 layers (resnet18 would throw). The
        // network is fully convolutional, so describe small images as 32x32 to get the 4-stage
        // ResNet with the 3x3 stem; it runs unchanged on 28x28 inputs.
        Shape architectureShape = imageShape.get(1) <= SMALL_RESNET_HEIGHT
                ? new Shape(imageShape.get(0), 32, 32)
                : imageShape;
        return ResNetV1.builder()
                .setImageShape(architectureShape)
                .setNumLayers(layers)
                .setOutSize(classes)
                .build();
    }
}
