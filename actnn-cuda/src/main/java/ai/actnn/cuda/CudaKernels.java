package ai.actnn.cuda;

import ai.actnn.quant.MaxPool2dSpec;
import ai.djl.ndarray.types.DataType;

/**
 * Typed launchers of the kernels in {@code actnn_kernels.cu}: one method per kernel family, with
 * the argument order and types of the CUDA signatures (checked against the PTX by {@code
 * KernelAbiTest}) and the grid of {@link LaunchConfig}. Addresses are device addresses; 0 is a
 * null pointer.
 */
final class CudaKernels {

    private final KernelLauncher launcher;

    /**
     * Creates launchers for a device.
     *
     * @param launcher the device (or a test recorder)
     */
    CudaKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * Returns the kernel-name suffix of an element type.
     *
     * @param type FLOAT32 or FLOAT16
     * @return {@code "f32"} or {@code "f16"}
     * @throws IllegalArgumentException for other types
     */
    static String suffix(DataType type) {
        switch (type) {
            case FLOAT32:
                return "f32";
            case FLOAT16:
                return "f16";
            default:
                throw new IllegalArgumentException("only FLOAT32 and FLOAT16 are supported, got " + type.name());
        }
    }

    private void run(String kernel, int grid, KernelArgs args) {
        try (args) {
            launcher.launch(kernel, grid, args);
        }
    }

    /** Geometry and per-sample tables shared by the quantization kernels. */
    static final class Layout {
        final long samples;
        final long features;
        final long groupsPerSample;
        final int groupSize;
        final long bitsAddress;
        final long offsetsAddress;
        final int uniformBits;

        /**
         * Creates the geometry.
         *
         * @param samples N
         * @param features F
         * @param groupsPerSample S
         * @param groupSize G
         * @param bitsAddress device address of N bytes of bits, or 0 when uniform
         * @param offsetsAddress device address of N + 1 int64 payload offsets, or 0 when uniform
         * @param uniformBits the bits of every sample when uniform, else ignored
         */
        Layout(long samples, long features, long groupsPerSample, int groupSize, long bitsAddress,
                long offsetsAddress, int uniformBits) {
            this.samples = samples;
            this.features = features;
            this.groupsPerSample = groupsPerSample;
            this.groupSize = groupSize;
            this.bitsAddress = bitsAddress;
            this.offsetsAddress = offsetsAddress;
            this.uniformBits = uniformBits;
        }

        long groups() {
            return samples * groupsPerSample;
        }
    }

    /**
     * Fused single-pass quantize + pack ({@code actnn_quantize_<type>_r<variant>}).
     *
     * @param type the input type
     * @param variant the register variant ({@link LaunchConfig#fusedVariant})
     * @param x input address
     * @param out packed bytes address
     * @param flag address of an int set to 1 when FP16 records do not suffice
     * @param l the geometry
     * @param key random key
     * @param stochastic stochastic rounding
     * @param meta32 FP32 records
     * @param xAligned whether {@code x} is aligned for pair loads
     */
    void quantizeFused(DataType type, int variant, long x, long out, long flag, Layout l, long key,
            boolean stochastic, boolean meta32, boolean xAligned) {
        run("actnn_quantize_" + suffix(type) + "_r" + variant, launcher.config().warpsGrid(l.groups()),
                new KernelArgs(14).ptr(x).ptr(out).ptr(flag).i64(l.samples).i64(l.features)
                        .i64(l.groupsPerSample).i32(l.groupSize).ptr(l.bitsAddress).ptr(l.offsetsAddress)
                        .i32(l.uniformBits).i64(key).i32(stochastic ? 1 : 0).i32(meta32 ? 1 : 0)
                        .i32(xAligned ? 1 : 0));
    }

    /**
     * Per-group (min, max) ({@code actnn_group_stats_<type>}).
     *
     * @param type the input type
     * @param x input address
     * @param stats address of 2 floats per group
     * @param l the geometry (tables unused)
     * @param xAligned whether {@code x} is aligned for pair loads
     */
    void groupStats(DataType type, long x, long stats, Layout l, boolean xAligned) {
        run("actnn_group_stats_" + suffix(type), launcher.config().warpsGrid(l.groups()),
                new KernelArgs(7).ptr(x).ptr(stats).i64(l.samples).i64(l.features).i64(l.groupsPerSample)
                        .i32(l.groupSize).i32(xAligned ? 1 : 0));
    }

    /**
     * FP16 eligibility of every group ({@code actnn_fp16_check_kernel}).
     *
     * @param stats statistics address
     * @param flag address of an int set to 1 when FP16 records do not suffice
     * @param l the geometry
     */
    void fp16Check(long stats, long flag, Layout l) {
        run("actnn_fp16_check_kernel", launcher.config().threadsGrid(l.groups()),
                new KernelArgs(6).ptr(stats).ptr(flag).i64(l.samples).i64(l.groupsPerSample).ptr(l.bitsAddress)
                        .i32(l.uniformBits));
    }

    /**
     * Per-sample sums of squared ranges ({@code actnn_range_squares_kernel}).
     *
     * @param stats statistics address
     * @param out address of one float per sample
     * @param l the geometry
     */
    void rangeSquares(long stats, long out, Layout l) {
        run("actnn_range_squares_kernel", launcher.config().warpsGrid(l.samples),
                new KernelArgs(4).ptr(stats).ptr(out).i64(l.samples).i64(l.groupsPerSample));
    }

    /**
     * Packing with precomputed statistics ({@code actnn_pack_<type>}).
     *
     * @param type the input type
     * @param x input address
     * @param stats statistics address
     * @param out packed bytes address
     * @param l the geometry
     * @param key random key
     * @param stochastic stochastic rounding
     * @param meta32 FP32 records
     * @param xAligned whether {@code x} is aligned for pair loads
     */
    void pack(DataType type, long x, long stats, long out, Layout l, long key, boolean stochastic, boolean meta32,
            boolean xAligned) {
        run("actnn_pack_" + suffix(type), launcher.config().warpsGrid(l.groups()),
                new KernelArgs(14).ptr(x).ptr(stats).ptr(out).i64(l.samples).i64(l.features)
                        .i64(l.groupsPerSample).i32(l.groupSize).ptr(l.bitsAddress).ptr(l.offsetsAddress)
                        .i32(l.uniformBits).i64(key).i32(stochastic ? 1 : 0).i32(meta32 ? 1 : 0)
                        .i32(xAligned ? 1 : 0));
    }

    /**
     * Unpack + dequantize ({@code actnn_unpack_<type>}).
     *
     * @param type the output type
     * @param in packed bytes address
     * @param y output address
     * @param l the geometry
     * @param meta32 FP32 records
     * @param yAligned whether {@code y} is aligned for pair stores
     */
    void unpack(DataType type, long in, long y, Layout l, boolean meta32, boolean yAligned) {
        run("actnn_unpack_" + suffix(type), launcher.config().warpsGrid(l.groups()),
                new KernelArgs(11).ptr(in).ptr(y).i64(l.samples).i64(l.features).i64(l.groupsPerSample)
                        .i32(l.groupSize).ptr(l.bitsAddress).ptr(l.offsetsAddress).i32(l.uniformBits)
                        .i32(meta32 ? 1 : 0).i32(yAligned ? 1 : 0));
    }

    /**
     * ReLU forward with its mask, or the mask alone when {@code y} is 0 ({@code
     * actnn_relu_forward_<type>}).
     *
     * @param type the element type
     * @param x input address
     * @param y output address (may be {@code x}: in place), or 0
     * @param mask mask address ({@code ceil(n / 8)} bytes)
     * @param n elements
     */
    void reluForward(DataType type, long x, long y, long mask, long n) {
        run("actnn_relu_forward_" + suffix(type), launcher.config().maskWordsGrid(n),
                new KernelArgs(4).ptr(x).ptr(y).ptr(mask).i64(n));
    }

    /**
     * Mask of non-zero elements ({@code actnn_pack_nonzero_w<width>}).
     *
     * @param width element width in bytes: 1, 2, 4 or 8
     * @param m input address
     * @param mask mask address
     * @param n elements
     * @param valueMask bits that count (all, or all but the sign bit for floats)
     */
    void packNonZero(int width, long m, long mask, long n, long valueMask) {
        KernelArgs args = new KernelArgs(4).ptr(m).ptr(mask).i64(n);
        if (width == 8) {
            args.i64(valueMask);
        } else if (width == 1 || width == 2 || width == 4) {
            args.i32((int) valueMask);
        } else {
            args.close();
            throw new IllegalArgumentException("element width must be 1, 2, 4 or 8, got " + width);
        }
        run("actnn_pack_nonzero_w" + width, launcher.config().maskWordsGrid(n), args);
    }

    /**
     * Dropout forward with its keep mask ({@code actnn_dropout_forward_<type>}).
     *
     * @param type the element type
     * @param x input address, or 0 (with y 0: the keep mask alone)
     * @param y output address, or 0
     * @param mask mask address
     * @param n elements
     * @param key random key
     * @param rate drop probability
     * @param scale {@code 1 / (1 - rate)} in fp32
     */
    void dropoutForward(DataType type, long x, long y, long mask, long n, long key, float rate, float scale) {
        run("actnn_dropout_forward_" + suffix(type), launcher.config().maskWordsGrid(n),
                new KernelArgs(7).ptr(x).ptr(y).ptr(mask).i64(n).i64(key).f32(rate).f32(scale));
    }

    /**
     * {@code out = (grad * bit) * scale} ({@code actnn_apply_mask_<type>}).
     *
     * @param type the element type
     * @param grad gradient address
     * @param mask mask address
     * @param out output address
     * @param n elements
     * @param scale factor
     */
    void applyMask(DataType type, long grad, long mask, long out, long n, float scale) {
        run("actnn_apply_mask_" + suffix(type), launcher.config().threadsGrid(n),
                new KernelArgs(5).ptr(grad).ptr(mask).ptr(out).i64(n).f32(scale));
    }

    private static KernelArgs pool(KernelArgs a, long planes, int h, int w, int oh, int ow, MaxPool2dSpec s) {
        return a.i64(planes).i32(h).i32(w).i32(oh).i32(ow).i32(s.kernelH()).i32(s.kernelW()).i32(s.strideH())
                .i32(s.strideW()).i32(s.padH()).i32(s.padW());
    }

    /**
     * Max-pool forward with argmax offsets ({@code actnn_maxpool2d_forward_<type>}).
     *
     * @param type the element type
     * @param x input address
     * @param y output address
     * @param offsets offsets address (one byte per output)
     * @param planes N * C
     * @param h input height
     * @param w input width
     * @param oh output height
     * @param ow output width
     * @param spec the pooling
     */
    void maxPoolForward(DataType type, long x, long y, long offsets, long planes, int h, int w, int oh, int ow,
            MaxPool2dSpec spec) {
        run("actnn_maxpool2d_forward_" + suffix(type), launcher.config().threadsGrid(planes * oh * ow),
                pool(new KernelArgs(14).ptr(x).ptr(y).ptr(offsets), planes, h, w, oh, ow, spec));
    }

    /**
     * Max-pool backward as a gather ({@code actnn_maxpool2d_backward_<type>}).
     *
     * @param type the element type
     * @param dy output-gradient address
     * @param offsets offsets address
     * @param dx input-gradient address
     * @param planes N * C
     * @param h input height
     * @param w input width
     * @param oh output height
     * @param ow output width
     * @param spec the pooling
     */
    void maxPoolBackward(DataType type, long dy, long offsets, long dx, long planes, int h, int w, int oh, int ow,
            MaxPool2dSpec spec) {
        run("actnn_maxpool2d_backward_" + suffix(type), launcher.config().threadsGrid(planes * h * w),
                pool(new KernelArgs(14).ptr(dy).ptr(offsets).ptr(dx), planes, h, w, oh, ow, spec));
    }
}
