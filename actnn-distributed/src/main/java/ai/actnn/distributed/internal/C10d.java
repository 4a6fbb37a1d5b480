package ai.actnn.distributed.internal;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.gloo.Device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The c10d objects of DJL's libtorch 2.7.1 that bytedeco 1.5.12 cannot create correctly, created
 * and called by their exported, mangled names through the catching {@link Trampoline}.
 *
 * <p>Why by hand: bytedeco 1.5.12 does not map {@code TCPStore}, and its generated allocators of
 * classes owned through {@code c10::intrusive_ptr} ({@code ProcessGroupGloo}, its {@code Options},
 * the {@code Work} of a collective) return objects that were already freed. So this class
 * allocates the memory, calls the constructors (Itanium C++ ABI: {@code C1} constructor =
 * {@code void(this, args...)}; a non-trivial argument passed by value is a pointer to a
 * caller-owned temporary; an {@code intrusive_ptr} result comes back through a hidden pointer),
 * and owns exactly one reference of each object ({@code refcount_} at offset 8, {@code
 * weakcount_} at 12 of every {@code intrusive_ptr_target}).
 *
 * <p>Layouts (checked against DJL's {@code libtorch_cpu.so} 2.7.1 by disassembly, see
 * docs/distributed.md): {@code TCPStoreOptions} 56 bytes (port u16 at 0, isServer at 2,
 * {@code optional<size_t>} numWorkers at 8/16, waitWorkers at 24, timeout ms at 32, multiTenant at
 * 40, {@code optional<int>} masterListenFd at 44/48, useLibUV at 52); object sizes TCPStore 0xd8,
 * Options 88, ProcessGroupGloo 0x1c8, over-allocated here. {@link TorchNatives} refuses any other
 * libtorch.
 */
final class C10d {

    static final String TCPSTORE_CTOR =
            "_ZN4c10d8TCPStoreC1ENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_15TCPStoreOptionsE";
    static final String PREFIXSTORE_CTOR =
            "_ZN4c10d11PrefixStoreC1ENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEN3c1013intrusive_ptrINS_5StoreENS7_6detail34intrusive_target_default_null_typeIS9_EEEE";
    static final String GLOO_OPTIONS_CTOR =
            "_ZN4c10d16ProcessGroupGloo7OptionsC1ENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE";
    static final String PG_GLOO_CTOR =
            "_ZN4c10d16ProcessGroupGlooC1ERKN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_typeIS3_EEEEiiNS2_INS0_7OptionsENS5_ISA_EEEE";
    static final String PG_GLOO_DELETING_DTOR = "_ZN4c10d16ProcessGroupGlooD0Ev";
    static final String PG_GLOO_ALLREDUCE =
            "_ZN4c10d16ProcessGroupGloo9allreduceERSt6vectorIN2at6TensorESaIS3_EERKNS_16AllreduceOptionsE";
    static final String PG_GLOO_BARRIER = "_ZN4c10d16ProcessGroupGloo7barrierERKNS_14BarrierOptionsE";
    static final String WORK_WAIT = "_ZN4c10d4Work4waitENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE";

    /** Every symbol called here: all must resolve before distributed mode starts. */
    static final List<String> SYMBOLS = List.of(TCPSTORE_CTOR, PREFIXSTORE_CTOR, GLOO_OPTIONS_CTOR, PG_GLOO_CTOR,
            PG_GLOO_DELETING_DTOR, PG_GLOO_ALLREDUCE, PG_GLOO_BARRIER, WORK_WAIT);

    private static final long TCPSTORE_BYTES = 512;
    private static final long OPTIONS_BYTES = 256;
    private static final long PG_BYTES = 1024;
    private static final long PREFIX_BYTES = 256;

    private C10d() {}

    /** A pointer at a raw address, for bytedeco methods called on objects created here. */
    static final class Raw extends Pointer {
        Raw(long address) {
            this.address = address;
        }
    }

    private static void call(String what, String symbol, long... args) {
        Trampoline.call(what, TorchNatives.symbol(symbol), args);
    }

    /** Makes the caller the owner of references to a fresh intrusive_ptr target. */
    private static void own(long object, int strong) {
        new IntPointer(new Raw(object + 8)).put(0, strong).put(1, 1);
    }

    /**
     * {@code c10d::TCPStore(host, options)}: rank 0 serves, every rank connects.
     *
     * @return the store (one reference owned by the caller)
     */
    static long tcpStore(String host, int port, int worldSize, boolean isServer, long timeoutMs, boolean useLibUv) {
        Pointer self = Pointer.calloc(1, TCPSTORE_BYTES);
        BytePointer options = new BytePointer(64);
        options.fill(0);
        ByteBuffer b = options.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) port);
        b.put(2, (byte) (isServer ? 1 : 0));
        b.putLong(8, worldSize);
        b.put(16, (byte) 1);                      // numWorkers present
        b.put(24, (byte) 0);                      // waitWorkers off: the check-in waits, and can abort
        b.putLong(32, timeoutMs);
        b.put(40, (byte) 0);                      // multiTenant
        b.put(48, (byte) 0);                      // masterListenFd: none
        b.put(52, (byte) (useLibUv ? 1 : 0));
        StringVector host1 = new StringVector(host); // a libstdc++ std::string, owned by the vector
        try {
            long hostString = new LongPointer(host1).get(0);
            call("cannot create the rendezvous store at " + host + ":" + port, TCPSTORE_CTOR,
                    self.address(), hostString, options.address());
        } catch (RuntimeException e) {
            Pointer.free(self);
            throw e;
        } finally {
            host1.close();
            options.close();
        }
        own(self.address(), 1);
        return self.address();
    }

    /**
     * {@code c10d::PrefixStore(prefix, store)}.
     *
     * @return the store (one reference owned by the caller)
     */
    static long prefixStore(String prefix, long store) {
        Pointer self = Pointer.calloc(1, PREFIX_BYTES);
        StringVector text = new StringVector(prefix);
        // The by-value intrusive_ptr argument: a temporary holding one more reference, which the
        // constructor moves into the new store.
        IntPointer refcount = new IntPointer(new Raw(store + 8));
        refcount.put(0, refcount.get(0) + 1);
        LongPointer cell = new LongPointer(1).put(store);
        try {
            call("cannot create a prefix store", PREFIXSTORE_CTOR, self.address(), new LongPointer(text).get(0),
                    cell.address());
        } catch (RuntimeException e) {
            refcount.put(0, refcount.get(0) - 1);
            Pointer.free(self);
            throw e;
        } finally {
            text.close();
            cell.close();
        }
        own(self.address(), 1);
        return self.address();
    }

    /**
     * {@code ProcessGroupGloo::Options(timeout)} with one transport device.
     *
     * @return the options: references owned by the caller and by the process group's constructor
     */
    static long glooOptions(long timeoutMs, Device device) {
        Pointer self = Pointer.calloc(1, OPTIONS_BYTES);
        try {
            call("cannot create Gloo's options", GLOO_OPTIONS_CTOR, self.address(), timeoutMs);
        } catch (RuntimeException e) {
            Pointer.free(self);
            throw e;
        }
        own(self.address(), 2);
        ProcessGroupGloo.Options options = new ProcessGroupGloo.Options(self);
        try (GlooDeviceVector devices = new GlooDeviceVector(device)) {
            options.devices(devices);
        }
        return self.address();
    }

    /**
     * {@code ProcessGroupGloo(store, rank, size, options)}: connects the full mesh (blocks until
     * every rank did, or the options' timeout).
     *
     * @return the process group (one reference owned by the caller)
     */
    static long processGroupGloo(long store, int rank, int size, long options) {
        Pointer self = Pointer.calloc(1, PG_BYTES);
        LongPointer storeCell = new LongPointer(1).put(store);
        LongPointer optionsCell = new LongPointer(1).put(options);
        try {
            call("cannot connect the Gloo process group (rank " + rank + " of " + size + ")", PG_GLOO_CTOR,
                    self.address(), storeCell.address(), rank, size, optionsCell.address());
        } catch (RuntimeException e) {
            Pointer.free(self);
            throw e;
        } finally {
            storeCell.close();
            optionsCell.close();
        }
        own(self.address(), 1);
        return self.address();
    }

    /**
     * Enqueues a collective ({@code pg->allreduce(tensors, opts)}, {@code pg->barrier(opts)}).
     *
     * @return the {@code c10d::Work} (one reference owned by the caller)
     */
    static long enqueue(String what, String symbol, long pg, long... arguments) {
        LongPointer sret = new LongPointer(1).put(0L);
        long[] args = new long[2 + arguments.length];
        args[0] = sret.address();
        args[1] = pg;
        System.arraycopy(arguments, 0, args, 2, arguments.length);
        try {
            call(what, symbol, args);
            return sret.get(0);
        } finally {
            sret.close();
        }
    }

    /** {@code c10d::Work::wait(timeout)}: rethrows the collective's error. */
    static void waitWork(String what, long work, long timeoutMs) {
        call(what, WORK_WAIT, work, timeoutMs);
    }

    /**
     * Drops the caller's reference to an intrusive_ptr target; the last reference deletes it
     * through its virtual deleting destructor (vtable slot 1).
     */
    static void release(long object) {
        if (object == 0) {
            return;
        }
        ByteBuffer counts = new BytePointer(new Raw(object)).capacity(16).asByteBuffer().order(ByteOrder.nativeOrder());
        int before = (int) INT.getAndAdd(counts, 8, -1);
        if (before == 1 && (int) INT.getVolatile(counts, 12) == 1) {
            long vtable = new LongPointer(new Raw(object)).get(0);
            long deletingDestructor = new LongPointer(new Raw(vtable + 8)).get(0);
            Trampoline.call("cannot delete a c10d object", deletingDestructor, object);
        }
    }

    /** Runs {@code ~ProcessGroupGloo} (joins its threads, closes its connections) and frees it. */
    static void destroyProcessGroup(long pg) {
        call("cannot destroy the Gloo process group", PG_GLOO_DELETING_DTOR, pg);
    }

    private static final java.lang.invoke.VarHandle INT =
            java.lang.invoke.MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
}
