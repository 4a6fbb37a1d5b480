package ai.actnn.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
 * The TorchScript module that the library writes itself ({@code ActnnOps.ts}) to reach PyTorch's
 * native kernels that DJL's Java API lacks, and the call path into it. The module holds no
 * tensors, so one instance serves every device; it is loaded once and lives as long as the
 * process.
 */
final class TorchScriptModule {

    private static final String SOURCE = "/ai/actnn/internal/ActnnOps.ts";

    private static volatile PtSymbolBlock module;

    private TorchScriptModule() {}

    private static PtSymbolBlock module() {
        PtSymbolBlock m = module;
        if (m == null) {
            synchronized (TorchScriptModule.class) {
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
        try (InputStream in = TorchScriptModule.class.getResourceAsStream(SOURCE)) {
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
     * Runs one method of the module.
     *
     * @param method the method name
     * @param manager the owner of the results
     * @param args NDArray, long[], boolean[], Boolean, Long, Double arguments in order
     * @return the result tensors in order (a tuple is flattened)
     */
    static NDList call(String method, NDManager manager, Object... args) {
        PtNDManager owner = PtHandles.manager(manager);
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
    static IValue runMethod(String method, List<IValue> inputs) {
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
            return IValue.from(PtHandles.array((NDArray) arg));
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
}
