package ai.actnn.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's native backward kernels (and a few fused forwards) that DJL's Java API lacks,
 * reached through a TorchScript module that the library writes itself ({@code ActnnOps.ts}).
 * They give Q-layers exact gradients from a restored input without re-running the forward.
 *
 * <p>The module holds no tensors, so one instance serves every device. All methods return arrays
 * attached to the given manager; inputs must be PyTorch-engine arrays.
 */
public final class NativeOps {

    private static final String SOURCE = "/ai/actnn/internal/ActnnOps.ts";
    private static volatile PtSymbolBlock module;

    private NativeOps() {}

    private static PtSymbolBlock module() {
        PtSymbolBlock m = module;
        if (m == null) {
            synchronized (NativeOps.class) {
                m = module;
                if (m == null) {
                    m = load();
                    module = m;
                }
            }
        }
        return m;
    }

    private static PtSymbolBlock load() {
        String source;
        try (InputStream in = NativeOps.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + SOURCE);
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] archive = TorchScriptArchive.build("ActnnOps", source);
        // A base manager that is never closed: the module lives as long as the process.
        PtNDManager owner = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            return JniUtils.loadModule(owner, new ByteArrayInputStream(archive), true, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gradients of a convolution (or transposed convolution): PyTorch's {@code
     * convolution_backward}.
     *
     * @param grad dL/dy
     * @param x the convolution's input
     * @param w its weight
     * @param stride the stride
     * @param padding the padding
     * @param dilation the dilation
     * @param transposed whether the convolution is transposed
     * @param outputPadding the output padding (transposed only; zeros otherwise)
     * @param groups the groups
     * @param need which of (dx, dw, db) to compute
     * @param manager the owner of the results
     * @return dx, dw, db (an empty array where not requested)
     */
    public static NDList convolutionBackward(
            NDArray grad,
            NDArray x,
            NDArray w,
            Shape stride,
            Shape padding,
            Shape dilation,
            boolean transposed,
            Shape outputPadding,
            int groups,
            boolean[] need,
            NDManager manager) {
        long outChannels = transposed ? w.getShape().get(1) * groups : w.getShape().get(0);
        return call(
                "conv_backward",
                manager,
                grad,
                x,
                w,
                new long[] {outChannels},
                stride.getShape(),
                padding.getShape(),
                dilation.getShape(),
                transposed,
                outputPadding.getShape(),
                (long) groups,
                need);
    }

    /**
     * A (transposed) convolution forward: PyTorch's {@code convolution}. DJL's PyTorch engine
     * does not implement transposed convolutions; this does, with autograd when grad mode is on.
     *
     * @param x the input
     * @param w the weight
     * @param b the bias, or null
     * @param stride the stride
     * @param padding the padding
     * @param dilation the dilation
     * @param transposed whether transposed
     * @param outputPadding the output padding (transposed only)
     * @param groups the groups
     * @param manager the owner of the result
     * @return y
     */
    public static NDArray convolution(
            NDArray x,
            NDArray w,
            NDArray b,
            Shape stride,
            Shape padding,
            Shape dilation,
            boolean transposed,
            Shape outputPadding,
            int groups,
            NDManager manager) {
        NDArray bias = b;
        NDArray placeholder = null;
        if (bias == null) {
            placeholder = x.getManager().create(new float[0]);
            bias = placeholder;
        }
        try {
            return call(
                            "convolution",
                            manager,
                            x,
                            w,
                            bias,
                            b != null,
                            stride.getShape(),
                            padding.getShape(),
                            dilation.getShape(),
                            transposed,
                            outputPadding.getShape(),
                            (long) groups)
                    .singletonOrThrow();
        } finally {
            if (placeholder != null) {
                placeholder.close();
            }
        }
    }

    /**
     * Batch normalisation forward in training mode: PyTorch's {@code native_batch_norm}. Updates
     * the running statistics in place with PyTorch's momentum convention (new = (1 - m) * old + m
     * * batch), exactly as DJL's BatchNorm does through {@code torch::batch_norm}.
     *
     * @param x the input, channels on axis 1
     * @param gamma the scale
     * @param beta the shift
     * @param runningMean the running mean, updated in place
     * @param runningVar the running variance, updated in place
     * @param momentum PyTorch's momentum (1 - DJL's momentum)
     * @param eps the epsilon
     * @param manager the owner of the results
     * @return y, the batch mean and the batch inverse standard deviation (per channel)
     */
    public static NDList batchNormForward(
            NDArray x,
            NDArray gamma,
            NDArray beta,
            NDArray runningMean,
            NDArray runningVar,
            double momentum,
            double eps,
            NDManager manager) {
        return call(
                "batch_norm_forward",
                manager,
                x,
                gamma,
                beta,
                runningMean,
                runningVar,
                momentum,
                eps);
    }

    /**
     * Batch normalisation backward in training mode: PyTorch's {@code
     * native_batch_norm_backward}.
     *
     * @param grad dL/dy
     * @param x the (restored) input
     * @param gamma the scale
     * @param saveMean the batch mean saved by the forward
     * @param saveInvstd the batch inverse standard deviation saved by the forward
     * @param eps the epsilon
     * @param need which of (dx, dgamma, dbeta) to compute
     * @param manager the owner of the results
     * @return dx, dgamma, dbeta (an empty array where not requested)
     */
    public static NDList batchNormBackward(
            NDArray grad,
            NDArray x,
            NDArray gamma,
            NDArray saveMean,
            NDArray saveInvstd,
            double eps,
            boolean[] need,
            NDManager manager) {
        return call(
                "batch_norm_backward",
                manager,
                grad,
                x,
                gamma,
                saveMean,
                saveInvstd,
                eps,
                need);
    }

    /**
     * The reduction half of batch normalisation's backward over one chunk of samples: per
     * channel (axis 1), {@code sum(dy)} and {@code sum(dy * (x - mean))}. Summed over the chunks
     * of a batch they give what {@link #batchNormBackwardElementwise} needs.
     *
     * @param grad dL/dy of the chunk
     * @param x the chunk's input
     * @param mean the batch mean
     * @param manager the owner of the results
     * @return the two per-channel sums
     */
    public static NDList batchNormBackwardReduce(NDArray grad, NDArray x, NDArray mean, NDManager manager) {
        return call("bn_backward_reduce", manager, grad, x, mean);
    }

    /**
     * The element-wise half of batch normalisation's backward over one chunk of samples:
     * {@code dx = gamma * invstd * (dy - sum_dy / n - (x - mean) * invstd^2 * sum_dy_xmu / n)}.
     *
     * @param grad dL/dy of the chunk
     * @param x the chunk's input
     * @param mean the batch mean
     * @param invstd the batch inverse standard deviation
     * @param gamma the scale
     * @param sumDy {@code sum(dy)} over the whole batch, per channel
     * @param sumDyXmu {@code sum(dy * (x - mean))} over the whole batch, per channel
     * @param count the elements per channel in the whole batch
     * @param manager the owner of the result
     * @return dx of the chunk
     */
    public static NDArray batchNormBackwardElementwise(
            NDArray grad,
            NDArray x,
            NDArray mean,
            NDArray invstd,
            NDArray gamma,
            NDArray sumDy,
            NDArray sumDyXmu,
            double count,
            NDManager manager) {
        return call("bn_backward_elemt", manager, grad, x, mean, invstd, gamma, sumDy, sumDyXmu, count)
                .singletonOrThrow();
    }

    /**
     * Max pooling over the last two axes that also returns, per output element, the position of
     * the maximum inside its window ({@code kh * kernelWidth + kw}) as one unsigned byte.
     *
     * @param x the input, [..., H, W]
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param manager the owner of the results
     * @return y and the UINT8 offsets
     */
    public static NDList maxPool2dWithOffsets(
            NDArray x, Shape kernel, Shape stride, Shape padding, boolean ceilMode, NDManager manager) {
        return call(
                "max_pool2d_offsets",
                manager,
                x,
                kernel.getShape(),
                stride.getShape(),
                padding.getShape(),
                ceilMode);
    }

    /**
     * Backward of {@link #maxPool2dWithOffsets}: routes each output gradient to the input
     * position its offset names.
     *
     * @param grad dL/dy
     * @param offsets the offsets saved by the forward
     * @param height the input height
     * @param width the input width
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray maxPool2dBackward(
            NDArray grad,
            NDArray offsets,
            long height,
            long width,
            Shape kernel,
            Shape stride,
            Shape padding,
            NDManager manager) {
        return call(
                        "max_pool2d_offsets_backward",
                        manager,
                        grad,
                        offsets,
                        height,
                        width,
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape())
                .singletonOrThrow();
    }

    /**
     * Backward of average pooling over the last two axes: PyTorch's {@code avg_pool2d_backward}.
     *
     * @param grad dL/dy
     * @param inputShape the input's shape
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray avgPool2dBackward(
            NDArray grad,
            Shape inputShape,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return call(
                        "avg_pool2d_backward",
                        manager,
                        grad,
                        inputShape.getShape(),
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape(),
                        ceilMode,
                        countIncludePad)
                .singletonOrThrow();
    }

    /**
     * Copies {@code src} into {@code dst} in place (same storage afterwards, any device), without
     * recording autograd history. DJL's {@code copyTo} replaces the destination's storage by a
     * host buffer instead.
     *
     * @param dst the destination, written in place
     * @param src the source, of the same shape
     */
    public static void copyInto(NDArray dst, NDArray src) {
        try (NDManager scratch = dst.getManager().newSubManager()) {
            call("copy_into", scratch, dst, src).close();
        }
    }

    /**
     * Average pooling over the last two axes: PyTorch's {@code avg_pool2d}.
     *
     * @param x the input
     * @param kernel the window
     * @param stride the stride
     * @param padding the padding
     * @param ceilMode PyTorch's ceil mode
     * @param countIncludePad whether padding counts in the average
     * @param manager the owner of the result
     * @return y
     */
    public static NDArray avgPool2d(
            NDArray x,
            Shape kernel,
            Shape stride,
            Shape padding,
            boolean ceilMode,
            boolean countIncludePad,
            NDManager manager) {
        return call(
                        "avg_pool2d",
                        manager,
                        x,
                        kernel.getShape(),
                        stride.getShape(),
                        padding.getShape(),
                        ceilMode,
                        countIncludePad)
                .singletonOrThrow();
    }

    /**
     * Converts a transposed-convolution weight from DJL's layout {@code [out, in / groups, k...]}
     * to PyTorch's {@code [in, out / groups, k...]} (autograd flows through the view when on), or
     * back with {@code toTorch} false.
     *
     * @param weight the weight in the source layout
     * @param groups the groups
     * @param toTorch the direction
     * @param manager the owner of the result
     * @return the weight in the other layout
     */
    public static NDArray deconvolutionWeight(NDArray weight, int groups, boolean toTorch, NDManager manager) {
        return call(
                        toTorch ? "deconv_weight_to_torch" : "deconv_weight_from_torch",
                        manager,
                        weight,
                        (long) groups)
                .singletonOrThrow();
    }

    /**
     * Layer normalisation over the trailing {@code normalizedShape} axes: PyTorch's {@code
     * native_layer_norm}, which also returns the statistics its backward needs.
     *
     * @param x the input
     * @param normalizedShape the normalised trailing shape
     * @param gamma the scale, of shape {@code normalizedShape}
     * @param beta the shift, of shape {@code normalizedShape}
     * @param eps the epsilon
     * @param manager the owner of the results
     * @return y, the mean and the reciprocal standard deviation (leading shape, trailing ones)
     */
    public static NDList layerNormForward(
            NDArray x, Shape normalizedShape, NDArray gamma, NDArray beta, double eps, NDManager manager) {
        return call("layer_norm_forward", manager, x, normalizedShape.getShape(), gamma, beta, eps);
    }

    /**
     * Layer normalisation backward: PyTorch's {@code native_layer_norm_backward}.
     *
     * @param grad dL/dy
     * @param x the (restored) input
     * @param normalizedShape the normalised trailing shape
     * @param mean the mean saved by the forward
     * @param rstd the reciprocal standard deviation saved by the forward
     * @param gamma the scale
     * @param beta the shift
     * @param need which of (dx, dgamma, dbeta) to compute
     * @param manager the owner of the results
     * @return dx, dgamma, dbeta (an empty array where not requested)
     */
    public static NDList layerNormBackward(
            NDArray grad,
            NDArray x,
            Shape normalizedShape,
            NDArray mean,
            NDArray rstd,
            NDArray gamma,
            NDArray beta,
            boolean[] need,
            NDManager manager) {
        return call(
                "layer_norm_backward",
                manager,
                grad,
                x,
                normalizedShape.getShape(),
                mean,
                rstd,
                gamma,
                beta,
                need);
    }

    /**
     * Softmax backward from the softmax's output alone: {@code dx = y * (dy - sum(dy * y))}
     * along {@code axis} (PyTorch's {@code _softmax_backward_data}).
     *
     * @param grad dL/dy
     * @param y the softmax output (possibly restored from its compressed copy)
     * @param axis the softmax axis
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray softmaxBackward(NDArray grad, NDArray y, int axis, NDManager manager) {
        return call("softmax_backward", manager, grad, y, (long) axis).singletonOrThrow();
    }

    /**
     * Exact GELU (erf form) backward at an input: PyTorch's {@code gelu_backward}.
     *
     * @param grad dL/dy
     * @param x the input
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray geluBackward(NDArray grad, NDArray x, NDManager manager) {
        return call("gelu_backward", manager, grad, x).singletonOrThrow();
    }

    /**
     * Exact backward of swish {@code y = x * sigmoid(beta * x)} at an input, using {@code dy/dx =
     * silu'(beta * x)} (PyTorch's {@code silu_backward}).
     *
     * @param grad dL/dy
     * @param x the input
     * @param beta the swish beta (1 for SiLU)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray swishBackward(NDArray grad, NDArray x, double beta, NDManager manager) {
        return call("silu_backward", manager, grad, x, beta).singletonOrThrow();
    }

    /**
     * Tanh backward from the output: {@code dx = dy * (1 - y^2)}.
     *
     * @param grad dL/dy
     * @param y the output (possibly restored)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray tanhBackward(NDArray grad, NDArray y, NDManager manager) {
        return call("tanh_backward", manager, grad, y).singletonOrThrow();
    }

    /**
     * Sigmoid backward from the output: {@code dx = dy * y * (1 - y)}.
     *
     * @param grad dL/dy
     * @param y the output (possibly restored)
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray sigmoidBackward(NDArray grad, NDArray y, NDManager manager) {
        return call("sigmoid_backward", manager, grad, y).singletonOrThrow();
    }

    /**
     * Dense gradient of an embedding table: row {@code i} sums the output gradients of every
     * position whose index is {@code i} (PyTorch's {@code embedding_dense_backward}).
     *
     * @param grad dL/dy, of shape {@code indices.shape + [embeddingSize]}
     * @param indices the looked-up indices (any integer or floating type holding integers)
     * @param numWeights the number of rows of the table
     * @param manager the owner of the result
     * @return the table's gradient, [numWeights, embeddingSize]
     */
    public static NDArray embeddingBackward(NDArray grad, NDArray indices, long numWeights, NDManager manager) {
        return call("embedding_backward", manager, grad, indices, numWeights).singletonOrThrow();
    }

    /**
     * Encodes each element of {@code scale * x} by the interval of {@code boundaries} it falls
     * in (interval {@code k} is {@code (b[k-1], b[k]]}) and packs the codes at {@code bits} bits,
     * least significant first, as 1-bit masks are packed.
     *
     * @param x the input
     * @param boundaries the ascending interval boundaries (at most {@code 2^bits - 1}), fp32
     * @param scale a factor applied to x before encoding
     * @param bits 1, 2, 4 or 8
     * @param manager the owner of the result
     * @return the packed codes, UINT8, {@code ceil(numel * bits / 8)} bytes
     */
    public static NDArray packCodes(NDArray x, NDArray boundaries, double scale, int bits, NDManager manager) {
        return call("code_pack", manager, x, boundaries, scale, (long) bits).singletonOrThrow();
    }

    /**
     * Multiplies a gradient element-wise by the value that each element's code selects: {@code
     * dx = dy * values[code]}.
     *
     * @param grad dL/dy
     * @param packed codes packed by {@link #packCodes}
     * @param values the value of each code, fp32
     * @param bits the bits per code
     * @param manager the owner of the result
     * @return dx
     */
    public static NDArray applyCodes(NDArray grad, NDArray packed, NDArray values, int bits, NDManager manager) {
        return call("code_apply", manager, grad, packed, values, (long) bits).singletonOrThrow();
    }

    /**
     * Applies ReLU in place (no autograd history).
     *
     * @param x the array, overwritten
     */
    public static void reluInPlace(NDArray x) {
        try (NDManager scratch = x.getManager().newSubManager()) {
            call("relu_inplace", scratch, x).close();
        }
    }

    /**
     * Returns whether each array takes part in autograd: a leaf that requires a gradient, or the
     * result of recorded ops. (DJL's {@code JniUtils.requiresGrad} answers true only for leaves.)
     *
     * @param arrays the arrays
     * @return one flag per array
     */
    public static boolean[] requiresGrad(NDArray... arrays) {
        if (arrays.length == 0) {
            return new boolean[0];
        }
        PtNDArray[] pt = new PtNDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            pt[i] = ptArray(arrays[i]);
        }
        List<IValue> inputs = new ArrayList<>(1);
        IValue result = null;
        try {
            inputs.add(IValue.listFrom(pt));
            result = runMethod("requires_grad", inputs);
            return result.toBooleanArray();
        } finally {
            inputs.get(0).close();
            if (result != null) {
                result.close();
            }
        }
    }

    /**
     * Runs one method of the module.
     *
     * @param method the method name
     * @param manager the owner of the results
     * @param args NDArray, long[], boolean[], Boolean, Long, Double arguments in order
     * @return the result tensors in order (a tuple is flattened)
     */
    static NDList call(String method, NDManager manager, Object... args) {
        PtNDManager owner = ptManager(manager);
        List<IValue> inputs = new ArrayList<>(args.length);
        IValue result = null;
        try {
            for (Object arg : args) {
                inputs.add(toIValue(arg));
            }
            result = runMethod(method, inputs);
            NDList out = new NDList();
            if (result.isTuple()) {
                for (IValue element : result.toIValueTuple()) {
                    try (IValue e = element) {
                        out.add(e.toTensor(owner));
                    }
                }
            } else {
                out.add(result.toTensor(owner));
            }
            return out;
        } finally {
            for (IValue v : inputs) {
                v.close();
            }
            if (result != null) {
                result.close();
            }
        }
    }

    /**
     * Runs a method with autograd governed by the caller's grad mode. DJL's public {@code
     * IValueUtils.runMethod} runs under inference mode, whose outputs can never join an autograd
     * graph (and cannot be made leaves), so the engine's native entry point is called with its
     * training flag set.
     */
    private static IValue runMethod(String method, List<IValue> inputs) {
        long[] handles = new long[inputs.size()];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = inputs.get(i).getHandle();
        }
        try {
            long result = (Long) RunMethod.METHOD.invoke(RunMethod.LIBRARY, module().getHandle(), method, handles, true, false);
            return RunMethod.wrap(result);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("TorchScript method " + method + " failed", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "cannot call DJL's native module runner (ActNN needs DJL 0.35.1's PyTorch engine)", e);
        }
    }

    /** Reflective access to DJL's package-private native library entry points. */
    private static final class RunMethod {
        static final Object LIBRARY;
        static final java.lang.reflect.Method METHOD;
        static final java.lang.reflect.Constructor<IValue> IVALUE;

        static {
            try {
                Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
                java.lang.reflect.Field f = lib.getDeclaredField("LIB");
                f.setAccessible(true);
                LIBRARY = f.get(null);
                METHOD =
                        lib.getDeclaredMethod(
                                "moduleRunMethod", long.class, String.class, long[].class, boolean.class, boolean.class);
                METHOD.setAccessible(true);
                IVALUE = IValue.class.getDeclaredConstructor(long.class);
                IVALUE.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static IValue wrap(long handle) throws ReflectiveOperationException {
            return IVALUE.newInstance(handle);
        }
    }

    private static IValue toIValue(Object arg) {
        if (arg instanceof NDArray) {
            return IValue.from(ptArray((NDArray) arg));
        } else if (arg instanceof long[]) {
            return IValue.listFrom((long[]) arg);
        } else if (arg instanceof boolean[]) {
            return IValue.listFrom((boolean[]) arg);
        } else if (arg instanceof Boolean) {
            return IValue.from((Boolean) arg);
        } else if (arg instanceof Long) {
            return IValue.from((Long) arg);
        } else if (arg instanceof Double) {
            return IValue.from((Double) arg);
        }
        throw new IllegalArgumentException("unsupported TorchScript argument " + arg);
    }

    /**
     * Returns the PyTorch view of an array.
     *
     * @param array an array of the PyTorch engine
     * @return the same array as a {@link PtNDArray}
     * @throws IllegalArgumentException if the array belongs to another engine
     */
    public static PtNDArray ptArray(NDArray array) {
        if (array instanceof PtNDArray) {
            return (PtNDArray) array;
        }
        throw new IllegalArgumentException(
                "ActNN needs arrays of the PyTorch engine, got "
                        + array.getClass().getSimpleName()
                        + " from engine "
                        + array.getManager().getEngine().getEngineName());
    }

    private static PtNDManager ptManager(NDManager manager) {
        if (manager instanceof PtNDManager) {
            return (PtNDManager) manager;
        }
        throw new IllegalArgumentException(
                "ActNN needs a manager of the PyTorch engine, got "
                        + manager.getEngine().getEngineName());
    }
}
