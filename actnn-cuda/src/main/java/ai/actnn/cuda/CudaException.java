package ai.actnn.cuda;

/**
 * A CUDA driver, NVRTC or kernel-loading failure. The message names the operation (for launches:
 * the kernel) and the CUDA error name and description, e.g. {@code "launch of actnn_unpack_f32
 * failed: CUDA_ERROR_INVALID_VALUE (invalid argument)"}.
 */
public class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What failed. */
    private final String operation;

    /** The CUresult / nvrtcResult code, or -1. */
    private final int errorCode;

    /**
     * Creates an exception for a failed CUDA call.
     *
     * @param operation what failed (a driver function, or "launch of" + the kernel name)
     * @param errorCode the CUresult / nvrtcResult code, or -1 when there is none
     * @param message the full message
     */
    public CudaException(String operation, int errorCode, String message) {
        super(message);
        this.operation = operation;
        this.errorCode = errorCode;
    }

    /**
     * Creates an exception that wraps a cause.
     *
     * @param operation what failed
     * @param message the full message
     * @param cause the cause
     */
    public CudaException(String operation, String message, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.errorCode = -1;
    }

    /**
     * Returns what failed: a driver function, NVRTC step or {@code "launch of <kernel>"}.
     *
     * @return the operation
     */
    public String getOperation() {
        return operation;
    }

    /**
     * Returns the CUDA (CUresult) or NVRTC error code.
     *
     * @return the code, or -1 when the failure has none
     */
    public int getErrorCode() {
        return errorCode;
    }
}
