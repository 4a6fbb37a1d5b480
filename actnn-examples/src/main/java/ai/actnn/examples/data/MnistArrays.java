package ai.actnn.examples.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Sampler;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Grey-scale digit images with their labels, held compactly as bytes (the pixel values 0..255 of
 * the MNIST files) until they are turned into a DJL dataset.
 */
public final class MnistArrays {

    /** Number of digit classes. */
    public static final int CLASSES = 10;

    private final byte[] pixels;
    private final byte[] labels;
    private final int rows;
    private final int cols;

    /**
     * Wraps pixel and label bytes (not copied).
     *
     * @param pixels {@code count * rows * cols} pixel values, image after image, row-major
     * @param labels {@code count} labels in 0..9
     * @param rows image height
     * @param cols image width
     * @throws IllegalArgumentException if the sizes disagree or a label is out of range
     */
    public MnistArrays(byte[] pixels, byte[] labels, int rows, int cols) {
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.labels = Objects.requireNonNull(labels, "labels");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("image size " + rows + "x" + cols + " is invalid");
        }
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(
                    labels.length + " labels but " + pixels.length + " pixels for " + rows + "x"
                            + cols + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= CLASSES) {
                throw new IllegalArgumentException("label " + labels[i] + " at " + i + " is not a digit");
            }
        }
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Returns the number of images.
     *
     * @return the count
     */
    public int count() {
        return labels.length;
    }

    /**
     * Returns the image height.
     *
     * @return rows per image
     */
    public int rows() {
        return rows;
    }

    /**
     * Returns the image width.
     *
     * @return columns per image
     */
    public int cols() {
        return cols;
    }

    /**
     * Returns the label of one image.
     *
     * @param index the image index
     * @return the digit 0..9
     */
    public int label(int index) {
        return labels[index];
    }

    /**
     * Returns one pixel as a value in [0, 1].
     *
     * @param index the image index
     * @param row the row
     * @param col the column
     * @return the intensity
     */
    public float pixel(int index, int row, int col) {
        return (pixels[(index * rows + row) * cols + col] & 0xFF) / 255f;
    }

    /**
     * Returns how many images each digit has.
     *
     * @return ten counts
     */
    public int[] labelCounts() {
        int[] counts = new int[CLASSES];
        for (byte label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Returns the raw pixel bytes (shared, do not modify).
     *
     * @return the pixels
     */
    byte[] pixelBytes() {
        return pixels;
    }

    /**
     * Returns the raw label bytes (shared, do not modify).
     *
     * @return the labels
     */
    byte[] labelBytes() {
        return labels;
    }

    /**
     * Returns the images at the given indices, in that order (a copy).
     *
     * @param indices image indices
     * @return the selected images
     */
    public MnistArrays select(int[] indices) {
        int size = rows * cols;
        byte[] p = new byte[indices.length * size];
        byte[] l = new byte[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * size, p, i * size, size);
            l[i] = labels[indices[i]];
        }
        return new MnistArrays(p, l, rows, cols);
    }

    /**
     * Creates the image tensor: float32 {@code [N, 1, rows, cols]} with values in [0, 1].
     *
     * @param manager the owner of the tensor
     * @return the images
     */
    public NDArray imagesArray(NDManager manager) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(pixels.length).put(pixels).flip();
        try (NDArray raw = manager.create(buffer, new Shape(count(), 1, rows, cols), DataType.UINT8);
                NDArray asFloat = raw.toType(DataType.FLOAT32, false)) {
            return asFloat.div(255f);
        }
    }

    /**
     * Creates the label tensor: float32 {@code [N]} holding the digits.
     *
     * @param manager the owner of the tensor
     * @return the labels
     */
    public NDArray labelsArray(NDManager manager) {
        float[] values = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            values[i] = labels[i];
        }
        return manager.create(values);
    }

    /**
     * Creates a DJL dataset over these images.
     *
     * @param manager the owner of the tensors (close it to free them)
     * @param batchSize the batch size
     * @param shuffle whether batches are drawn in random order (seed it with {@code
     *     Engine.getInstance().setRandomSeed})
     * @param dropLast whether a final partial batch is dropped
     * @return the dataset: data {@code [N,1,rows,cols]} float32 in [0,1], labels {@code [N]} float32
     */
    public ArrayDataset toDataset(NDManager manager, int batchSize, boolean shuffle, boolean dropLast) {
        return toDataset(manager, new Shape(1, rows, cols), batchSize, shuffle, dropLast);
    }

    /**
     * Creates a DJL dataset over these images, each reshaped to a model's input shape (for
     * instance {@code (rows, cols)}: a sequence of {@code rows} rows of {@code cols} pixels).
     *
     * @param manager the owner of the tensors (close it to free them)
     * @param exampleShape the shape of one example, of {@code rows * cols} elements
     * @param batchSize the batch size
     * @param shuffle whether batches are drawn in random order
     * @param dropLast whether a final partial batch is dropped
     * @return the dataset: data {@code [N, exampleShape...]} float32 in [0,1], labels {@code [N]}
     *     float32
     * @throws IllegalArgumentException if the example shape does not have {@code rows * cols}
     *     elements
     */
    public ArrayDataset toDataset(
            NDManager manager, Shape exampleShape, int batchSize, boolean shuffle, boolean dropLast) {
        if (exampleShape.size() != (long) rows * cols) {
            throw new IllegalArgumentException("cannot feed " + rows + "x" + cols + " images as examples of shape "
                    + exampleShape + ": " + exampleShape.size() + " elements instead of " + rows * cols);
        }
        NDArray images = imagesArray(manager);
        Shape target = new Shape(count()).addAll(exampleShape);
        // a view of the same memory, owned by the same manager
        NDArray data = images.getShape().equals(target) ? images : images.reshape(target);
        return new ArrayDataset.Builder()
                .setData(data)
                .optLabels(labelsArray(manager))
                .setSampling(batchSize, shuffle, dropLast)
                .build();
    }

    /**
     * Creates a DJL dataset over these images drawn by a sampler of one's own (for instance one
     * process's share of each global batch in data-parallel training).
     *
     * @param manager the owner of the tensors (close it to free them)
     * @param exampleShape the shape of one example, of {@code rows * cols} elements
     * @param sampler which samples each batch takes
     * @return the dataset
     * @throws IllegalArgumentException if the example shape does not have {@code rows * cols}
     *     elements
     */
    public ArrayDataset toDataset(NDManager manager, Shape exampleShape, Sampler sampler) {
        if (exampleShape.size() != (long) rows * cols) {
            throw new IllegalArgumentException("cannot feed " + rows + "x" + cols + " images as examples of shape "
                    + exampleShape + ": " + exampleShape.size() + " elements instead of " + rows * cols);
        }
        NDArray images = imagesArray(manager);
        Shape target = new Shape(count()).addAll(exampleShape);
        NDArray data = images.getShape().equals(target) ? images : images.reshape(target);
        return new ArrayDataset.Builder()
                .setData(data)
                .optLabels(labelsArray(manager))
                .setSampling(sampler)
                .build();
    }
}
