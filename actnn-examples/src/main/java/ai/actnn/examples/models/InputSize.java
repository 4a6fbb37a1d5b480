package ai.actnn.examples.models;

/**
 * The size of a model's input as the benchmarks report it: the image side for image models, the
 * sequence length and width (embedding size) for sequence models; what does not apply is {@code
 * null} (JSON {@code null}).
 *
 * @param imageSize image height and width, or {@code null} for a sequence model
 * @param seqLen tokens or rows per sequence, or {@code null} for an image model
 * @param width the model's embedding size, or {@code null} for an image model
 */
public record InputSize(Integer imageSize, Integer seqLen, Integer width) {

    /**
     * Validates the size: either an image side alone, or a sequence length with a width.
     *
     * @param imageSize see the record description
     * @param seqLen see the record description
     * @param width see the record description
     * @throws IllegalArgumentException for a non-positive value or a mix of both kinds
     */
    public InputSize {
        boolean image = imageSize != null;
        boolean sequence = seqLen != null || width != null;
        if (image == sequence || (sequence && (seqLen == null || width == null))) {
            throw new IllegalArgumentException("an input size is an image side or a sequence length with a width,"
                    + " not image " + imageSize + ", sequence " + seqLen + ", width " + width);
        }
        for (Integer v : new Integer[] {imageSize, seqLen, width}) {
            if (v != null && v < 1) {
                throw new IllegalArgumentException("input sizes must be >= 1, not " + v);
            }
        }
    }

    /**
     * Returns the size of square images.
     *
     * @param side the height and width
     * @return the size
     */
    public static InputSize image(int side) {
        return new InputSize(side, null, null);
    }

    /**
     * Returns the size of sequences.
     *
     * @param seqLen the sequence length
     * @param width the embedding size
     * @return the size
     */
    public static InputSize sequence(int seqLen, int width) {
        return new InputSize(null, seqLen, width);
    }

    /**
     * Returns whether this is the size of a sequence model's input.
     *
     * @return whether the sequence length is set
     */
    public boolean isSequence() {
        return seqLen != null;
    }

    /**
     * Returns what one example of this size is called.
     *
     * @return {@code "sequences"} or {@code "images"}
     */
    public String examples() {
        return isSequence() ? "sequences" : "images";
    }

    /**
     * Describes the size for titles and logs.
     *
     * @return e.g. {@code "32x32 images"} or {@code "sequence length 128, width 128"}
     */
    public String describe() {
        return isSequence()
                ? "sequence length " + seqLen + ", width " + width
                : imageSize + "x" + imageSize + " images";
    }
}
