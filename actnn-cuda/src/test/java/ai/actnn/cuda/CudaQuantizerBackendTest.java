package ai.actnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.actnn.config.BackendChoice;
import ai.actnn.quant.Backend;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.store.Backends;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The CUDA backend on a machine without a usable GPU (CI): registered with the service loader,
 * reports itself unavailable with a reason instead of crashing, lets the registry fall back to the
 * CPU backend, and validates its arguments before touching CUDA.
 */
class CudaQuantizerBackendTest {

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static boolean gpuUsable() {
        return CudaSupport.isAvailable(Device.gpu(0));
    }

    @Test
    void registeredWithTheServiceLoader() {
        List<String> names = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class)) {
            names.add(b.getClass().getName());
        }
        assertTrue(names.contains(CudaQuantizerBackend.class.getName()), names.toString());
    }

    @Test
    void hostDevicesAreNeverSupported() {
        CudaQuantizerBackend b = new CudaQuantizerBackend();
        assertEquals("cuda", b.name());
        assertFalse(b.supports(Device.cpu()));
        assertFalse(b.supports(null));
        assertTrue(CudaSupport.unavailableReason(Device.cpu()).isPresent());
    }

    @Test
    void gpuWithoutCudaIsUnsupportedWithAReason() {
        assumeFalse(gpuUsable(), "a usable GPU is present: the unavailable path is not exercised");
        CudaQuantizerBackend b = new CudaQuantizerBackend();
        assertFalse(b.supports(Device.gpu(0)));
        assertFalse(b.supports(Device.gpu(0)), "asking twice is fine (the reason is logged once)");
        Optional<String> reason = CudaSupport.unavailableReason(Device.gpu(0));
        assertTrue(reason.isPresent() && !reason.get().isBlank());
        assertTrue(CudaSupport.describe(Device.gpu(0)).contains("unavailable"), CudaSupport.describe(Device.gpu(0)));
        assertFalse(CudaSupport.isAvailable(Device.gpu(1)));
    }

    @Test
    void registryFallsBackToTheCpuBackend() {
        assumeFalse(gpuUsable(), "a usable GPU is present: the registry picks the CUDA backend");
        Backend auto = Backends.forDevice(Device.gpu(0), BackendChoice.AUTO);
        assertTrue(auto.name().endsWith("-via-host"), auto.name());
        assertThrows(IllegalStateException.class, () -> Backends.forDevice(Device.gpu(0), BackendChoice.CUDA));
    }

    @Test
    void kernelsOfAnUnavailableDeviceThrowWithTheReason() {
        assumeFalse(gpuUsable(), "a usable GPU is present");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaSupport.kernels(Device.gpu(0)));
        assertTrue(e.getMessage().contains("unavailable"), e.getMessage());
    }

    @Test
    void hostTensorsAreRejected() {
        CudaQuantizerBackend b = new CudaQuantizerBackend();
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(4, 300));
            QuantizeSpec spec = QuantizeSpec.uniform(2, 256, 1L, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.quantize(x, spec, m));
            assertTrue(e.getMessage().contains("GPU tensors only"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.analyze(x, 256));
            assertThrows(IllegalArgumentException.class, () -> b.packPositive(x, m));
            assertThrows(IllegalArgumentException.class, () -> b.packNonZero(x, m));
            assertThrows(IllegalArgumentException.class, () -> b.relu(x, m));
            assertThrows(IllegalArgumentException.class, () -> b.reluInPlace(x, m));
            assertThrows(IllegalArgumentException.class, () -> b.dropout(x, 0.5f, 1L, m));
            assertThrows(IllegalArgumentException.class, () -> b.dropout(x, 1.5f, 1L, m));
            NDArray img = m.randomNormal(new Shape(1, 2, 8, 8));
            MaxPool2dSpec pool = MaxPool2dSpec.of(2, 2, 0, false);
            assertThrows(IllegalArgumentException.class, () -> b.maxPool2d(img, pool, m));
            NDArray offsets = m.zeros(new Shape(1, 2, 4, 4), DataType.UINT8);
            assertThrows(IllegalArgumentException.class,
                    () -> b.maxPool2dBackward(m.zeros(new Shape(1, 2, 4, 4)), offsets, img.getShape(), pool, m));
            PackedMask mask = new PackedMask(x.getShape(), m.zeros(new Shape(PackedMask.bytesFor(x.getShape())),
                    DataType.UINT8));
            assertThrows(IllegalArgumentException.class, () -> b.applyMask(x, mask, 1f, m));
            assertThrows(IllegalArgumentException.class, () -> b.randomKeepMask(x.getShape(), 0.5f, 1L, m));
            assertThrows(IllegalArgumentException.class, () -> b.randomKeepMask(x.getShape(), 2f, 1L, m));
        }
    }

    @Test
    void poolingIsOfferedWithTheMaskCodec() {
        CudaQuantizerBackend b = new CudaQuantizerBackend();
        assertSame(b, b.pooling().orElseThrow());
        assertSame(b, b.masks());
    }

    @Test
    void typesAndGroupSizesAreValidated() {
        CudaQuantizerBackend b = new CudaQuantizerBackend();
        try (NDManager m = manager.newSubManager()) {
            NDArray ints = m.arange(0, 12, 1, DataType.INT32).reshape(3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.quantize(ints, QuantizeSpec.uniform(2, 256, 1L, true), m));
            assertTrue(e.getMessage().contains("INT32"), e.getMessage());
            NDArray x = m.randomNormal(new Shape(2, 64));
            assertThrows(IllegalArgumentException.class, () -> b.analyze(x, 33));
            NDArray strings = m.create(new String[] {"a"});
            assertThrows(IllegalArgumentException.class, () -> b.analyze(strings, 256));
        }
    }

    @Test
    void perSampleTablesArePrefixSumsThenBits() {
        ByteBuffer b = CudaQuantizerBackend.Tables.hostTables(new Shape(3, 5), 256, new byte[] {1, 2, 8});
        b.order(ByteOrder.nativeOrder());
        assertEquals(8 * 4 + 3, b.capacity());
        // one group of 256 per sample: 32 bytes per bit
        assertEquals(0, b.getLong(0));
        assertEquals(32, b.getLong(8));
        assertEquals(96, b.getLong(16));
        assertEquals(352, b.getLong(24));
        assertEquals(1, b.get(32));
        assertEquals(2, b.get(33));
        assertEquals(8, b.get(34));
    }
}
