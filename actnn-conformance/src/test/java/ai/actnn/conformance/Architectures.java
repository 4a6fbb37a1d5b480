package ai.actnn.conformance;

import static ai.actnn.conformance.Case.Expect.LOSSY;

import ai.actnn.conformance.Case.Inputs;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.basicmodelzoo.cv.classification.AlexNet;
import ai.djl.basicmodelzoo.cv.classification.GoogLeNet;
import ai.djl.basicmodelzoo.cv.classification.LeNet;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.basicmodelzoo.cv.classification.SqueezeNet;
import ai.djl.basicmodelzoo.cv.classification.VGG;
import ai.djl.basicmodelzoo.cv.object_detection.ssd.SingleShotDetection;
import ai.djl.basicmodelzoo.cv.object_detection.yolo.YOLOV3;
import ai.djl.basicmodelzoo.nlp.SimpleTextDecoder;
import ai.djl.basicmodelzoo.nlp.SimpleTextEncoder;
import ai.djl.basicmodelzoo.tabular.TabNet;
import ai.djl.modality.nlp.embedding.TrainableTextEmbedding;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.LSTM;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Every architecture of DJL 0.35.1's {@code ai.djl.basicmodelzoo} (classification networks, both
 * detectors and their backbones, TabNet, the text encoder and decoder) plus a stacked LSTM, each at
 * the smallest input it accepts (found by trying sizes upward with plain DJL: {@code
 * ArchitectureSizesTest}) and batch 2 (batch normalisation needs two values per channel), except
 * where batch normalisation then becomes degenerate:
 *
 * <ul>
 *   <li>With 2 values per channel (batch 2 at 1x1 maps) a batch norm's output is {@code ±1}
 *       whatever its input: its exact input gradient is zero and {@code invstd} (up to {@code
 *       1/sqrt(eps)} = 316 per layer) multiplies whatever rounding reaches it. Deep networks made
 *       of such layers have meaningless reference gradients: plain DJL's own gradient norms are
 *       infinite for DarkNet-53 at 3x1x1 and reach 5.7e17 for MobileNetV2 at 3x1x1 (batch 2).
 *       The engine keeps the standardised input of a batch norm over fewer than 16 values per
 *       channel at 8 bits (its backward's bias grows as the rounding variance over that count),
 *       which puts networks made only of such layers above a quarter of L0's bytes (MobileNetV1 at
 *       3x1x1: 0.28). These run where batch norm sees more values: MobileNetV1 and MobileNetV2 at
 *       3x32x32, DarkNet-53 at batch 8 (3x1x1).
 *   <li>ResNet-20 (DJL's CIFAR layout, 16 to 64 channels) at 3x1x1 keeps 16 to 64 features per
 *       sample per layer: the per-group metadata of a packed sample (4 bytes) and the 1-bit ReLU
 *       masks, which L0 keeps too, dominate, and its batch norms normalise 2 values per channel,
 *       which the engine keeps at 8 bits; L3 then keeps 0.33 of L0 (gradients close: 0.22). It runs
 *       at 3x28x28, the largest input of that layout.
 * </ul>
 */
public final class Architectures {

    static final String SECTION = "architectures (ai.djl.basicmodelzoo, smallest input unless noted)";

    private Architectures() {}

    /**
     * An image architecture built for a given square input size.
     *
     * @param name the name
     * @param build builds it for an input size
     * @param channels the input channels
     * @param minSize the smallest input size it accepts (of its layout)
     * @param smallest whether one pixel less fails (false where a smaller input selects another layout)
     * @param knownFailure null, or the known library bug the architecture runs into
     * @param heavy whether it is too slow for the default run
     * @param size the input size the case uses (the smallest, unless batch norm degenerates there)
     * @param batch the batch the case uses
     */
    record Image(
            String name,
            IntFunction<Block> build,
            int channels,
            int minSize,
            boolean smallest,
            String knownFailure,
            boolean heavy,
            int size,
            int batch) {

        Image(String name, IntFunction<Block> build, int channels, int minSize, boolean smallest) {
            this(name, build, channels, minSize, smallest, null, false, minSize, 2);
        }

        Image failing(String id) {
            return new Image(name, build, channels, minSize, smallest, id, heavy, size, batch);
        }

        Image heavyCase() {
            return new Image(name, build, channels, minSize, smallest, knownFailure, true, size, batch);
        }

        /** This architecture run at another input size or batch (see the class comment). */
        Image runAt(int otherSize, int otherBatch) {
            return new Image(name, build, channels, minSize, smallest, knownFailure, heavy, otherSize, otherBatch);
        }

        @Override
        public String toString() {
            return name + " " + channels + "x" + size + "x" + size + (batch != 2 ? ", batch " + batch : "");
        }
    }

    /**
     * Returns the image architectures with the smallest sizes they accept.
     *
     * @return the architectures
     */
    static List<Image> images() {
        return Arrays.asList(
                new Image("LeNet", s -> LeNet.builder().setOutSize(10).build(), 1, 9, true),
                new Image("AlexNet", s -> AlexNet.builder().setOutSize(10).setDropOutRate(0f).build(), 3, 67, true),
                new Image("VGG-11", s -> VGG.builder().setNumLayers(11).setOutSize(10).build(), 3, 32, true),
                new Image("NiN", s -> NiN.builder().setDropOutRate(0f).build(), 3, 67, true),
                new Image("GoogLeNet", s -> GoogLeNet.builder().setOutSize(10).build(), 3, 1, true),
                new Image("ResNet-20 (V1, CIFAR layout, inputs up to 28)", s -> ResNetV1.builder().setImageShape(new Shape(3, s, s)).setNumLayers(20).setOutSize(10).build(), 3, 1, true).runAt(28, 2),
                new Image("ResNet-18 (V1)", s -> ResNetV1.builder().setImageShape(new Shape(3, s, s)).setNumLayers(18).setOutSize(10).build(), 3, 29, true),
                // Below 29 pixels DJL builds the CIFAR layout (basic units) instead of the bottleneck one.
                new Image("ResNet-50 (V1, bottleneck layout)", s -> ResNetV1.builder().setImageShape(new Shape(3, s, s)).setNumLayers(50).setOutSize(10).build(), 3, 29, false).heavyCase(),
                new Image("MobileNetV1", s -> MobileNetV1.builder().setOutSize(10).build(), 3, 1, true).runAt(32, 2),
                new Image("MobileNetV2", s -> MobileNetV2.builder().setOutSize(10).build(), 3, 1, true).runAt(32, 2),
                new Image("SqueezeNet", s -> SqueezeNet.squeezenet(10), 3, 17, true),
                new Image("SSD base network (3 down-sampling blocks)", s -> ssdBase(), 3, 8, true),
                new Image("SingleShotDetection (SSD)", s -> ssd(), 3, 64, true),
                new Image("YOLOv3 DarkNet-53 backbone", s -> YOLOV3.builder().buildDarkNet(), 3, 1, true).runAt(1, 8).heavyCase(),
                new Image("YOLOv3", s -> YOLOV3.builder().setNumClasses(1).build(), 3, 25, true).heavyCase());
    }

    /**
     * Returns every architecture case.
     *
     * @return the cases
     */
    public static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        all.add(Case.of(SECTION, "Mlp (64 -> 32 -> 16 -> 10)", () -> new Mlp(64, 10, new int[] {32, 16}), Inputs.floats(new Shape(2, 64)).asData(), LOSSY));
        for (Image image : images()) {
            int s = image.size();
            Case c = Case.of(
                    SECTION,
                    image.toString(),
                    () -> image.build().apply(s),
                    Inputs.floats(new Shape(image.batch(), image.channels(), s, s)).asData(),
                    LOSSY);
            if (image.knownFailure() != null) {
                c = c.failingWith(image.knownFailure());
            }
            if (image.heavy()) {
                c = c.asHeavy();
            }
            all.add(c);
        }
        // Tiny activations (see the class comment): only L3 < L0 is asserted of the bytes.
        all.add(Case.of(SECTION, "ResNet-20 (V1, CIFAR layout) 3x1x1: tiny activations",
                () -> ResNetV1.builder().setImageShape(new Shape(3, 1, 1)).setNumLayers(20).setOutSize(10).build(),
                Inputs.floats(new Shape(2, 3, 1, 1)).asData(), Case.Expect.LOSSY_TINY));
        // DJL's GhostBatchNorm stacks its virtual batches on a new axis, which TabNet's GLU cannot
        // slice: TabNet runs in DJL only with one virtual batch (batch <= virtual batch size).
        // Tiny activations too: 16 features per sample, so every 2-bit row carries a 4-byte range
        // record (2 more bits per element) and its batch norms see 8 values per channel (8 bits):
        // it keeps about a quarter of L0 (0.245-0.254 measured), not less.
        Case tabNet = Case.of(SECTION, "TabNet (16 features, 3 steps), loss on output and sparse loss", Architectures::tabNet, Inputs.floats(new Shape(8, 16)).asData(), Case.Expect.LOSSY_TINY);
        all.add(tabNet);
        all.add(tabNet.withHeadLoss("TabNet (16 features, 3 steps), loss on the output only"));
        Case encoder = Case.of(SECTION, "SimpleTextEncoder (embedding + 2-layer LSTM), loss on output and states", Architectures::textEncoder, Inputs.ids(50, new Shape(2, 5)), LOSSY);
        all.add(encoder);
        all.add(encoder.withHeadLoss("SimpleTextEncoder (embedding + 2-layer LSTM), loss on the output only"));
        all.add(Case.of(SECTION, "SimpleTextDecoder (embedding + LSTM + Linear)", Architectures::textDecoder, Inputs.ids(50, new Shape(2, 5)), LOSSY));
        all.add(Case.of(SECTION, "stacked LSTM (2 x LSTM + Linear)", Architectures::stackedLstm, Inputs.floats(new Shape(2, 5, 8)).asData(), LOSSY));
        return all;
    }

    static Block ssdBase() {
        SequentialBlock base = new SequentialBlock();
        for (int filters : new int[] {16, 32, 64}) {
            base.add(SingleShotDetection.getDownSamplingBlock(filters));
        }
        return base;
    }

    static Block ssd() {
        List<List<Float>> sizes = new ArrayList<>();
        List<List<Float>> ratios = new ArrayList<>();
        float[][] s = {{0.2f, 0.272f}, {0.37f, 0.447f}, {0.54f, 0.619f}, {0.71f, 0.79f}, {0.88f, 0.961f}};
        for (float[] pair : s) {
            sizes.add(Arrays.asList(pair[0], pair[1]));
            ratios.add(Arrays.asList(1f, 2f, 0.5f));
        }
        return SingleShotDetection.builder()
                .setNumClasses(1)
                .setNumFeatures(3)
                .optGlobalPool(true)
                .setRatios(ratios)
                .setSizes(sizes)
                .setBaseNetwork(ssdBase())
                .build();
    }

    static Block tabNet() {
        return TabNet.builder()
                .setInputDim(16)
                .setOutDim(4)
                .optNumD(8)
                .optNumA(8)
                .optNumShared(2)
                .optNumIndependent(2)
                .optNumSteps(3)
                .optVirtualBatchSize(8)
                .build();
    }

    static Block textEncoder() {
        return new SimpleTextEncoder(
                new TrainableTextEmbedding(BlockFamilies.wordEmbedding(50, 16)),
                LSTM.builder().setStateSize(16).setNumLayers(2).optReturnState(true).build());
    }

    static Block textDecoder() {
        return new SimpleTextDecoder(
                new TrainableTextEmbedding(BlockFamilies.wordEmbedding(50, 16)),
                LSTM.builder().setStateSize(16).setNumLayers(1).build(),
                50);
    }

    static Block stackedLstm() {
        return new SequentialBlock()
                .add(LSTM.builder().setStateSize(16).setNumLayers(1).build())
                .add(LSTM.builder().setStateSize(16).setNumLayers(1).build())
                .add(Linear.builder().setUnits(4).build());
    }

}
