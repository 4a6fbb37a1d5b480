package ai.actnn.cuda;

/**
 * Something that launches the kernels of one device: the device itself ({@link
 * CudaDriver.DeviceState}), or in tests a recorder that checks kernel names and argument lists
 * without a GPU.
 */
interface KernelLauncher {

    /**
     * Returns the grid configuration of the device.
     *
     * @return the configuration
     */
    LaunchConfig config();

    /**
     * Launches a kernel with {@link LaunchConfig#BLOCK} threads per block on the legacy default
     * stream.
     *
     * @param kernel the kernel's C name
     * @param grid blocks
     * @param args the arguments
     */
    void launch(String kernel, int grid, KernelArgs args);
}
