package ai.actnn.examples.models;

/**
 * The sizes that select a model's configuration in the benchmarks, with the command-line option
 * that sets each. Which model uses which is {@link ModelCatalog#options(String)}.
 */
public enum SizeOption {
    /** Image height and width (image models). */
    IMAGE_SIZE("--image-size"),
    /** Image channels (image models). */
    CHANNELS("--channels"),
    /** Output classes (every model). */
    CLASSES("--classes"),
    /** Sequence length (sequence models). */
    SEQ_LEN("--seq-len"),
    /** Embedding size (sequence models). */
    WIDTH("--width"),
    /** Attention heads (the transformer; BERT-tiny derives its own from the width). */
    HEADS("--heads"),
    /** Token dictionary size (BERT-tiny). */
    VOCABULARY("--vocab");

    private final String flag;

    SizeOption(String flag) {
        this.flag = flag;
    }

    /**
     * Returns the command-line option.
     *
     * @return e.g. {@code "--seq-len"}
     */
    public String flag() {
        return flag;
    }
}
