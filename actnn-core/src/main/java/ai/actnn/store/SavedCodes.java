package ai.actnn.store;

import ai.actnn.quant.CodeCodec;
import ai.actnn.quant.CodeTable;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Saved few-bit codes of an activation's intervals, with the table that gives each code's value. */
public final class SavedCodes implements Saved {

    private final NDArray codes;
    private final CodeTable table;
    private final CodeCodec codec;

    SavedCodes(NDArray codes, CodeTable table, CodeCodec codec) {
        this.codes = codes;
        this.table = table;
        this.codec = codec;
    }

    /**
     * Returns {@code grad * table.values()[code]} element by element.
     *
     * @param grad a tensor of the encoded activation's shape
     * @param manager the owner of the result
     * @return the product
     */
    public NDArray apply(NDArray grad, NDManager manager) {
        return codec.applyCodes(grad, codes, table.values(), table.bits(), manager);
    }

    /** {@inheritDoc} */
    @Override
    public long storedBytes() {
        return codes.size() * codes.getDataType().getNumOfBytes();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        codes.close();
    }
}
