package ai.actnn.quant;

/** The number type of the per-group records {@code (lo, step)} of a packed tensor. */
public enum MetadataType {
    /** IEEE binary16 records: 4 bytes a group. The default whenever it is accurate enough. */
    FP16(4),
    /** IEEE binary32 records: 8 bytes a group, for ranges that binary16 cannot hold accurately. */
    FP32(8);

    private final int recordBytes;

    MetadataType(int recordBytes) {
        this.recordBytes = recordBytes;
    }

    /**
     * Returns the size of one group's record in bytes.
     *
     * @return 4 or 8
     */
    public int recordBytes() {
        return recordBytes;
    }
}
