package ai.actnn.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Packs tensors of a device that has no backend of its own by copying them to host memory,
 * packing there with the CPU backend and moving the bytes back. Correct everywhere, slow on GPUs.
 */
final class HostCopyBackend implements QuantizerBackend {

    private final QuantizerBackend host;
    private final Device device;

    HostCopyBackend(QuantizerBackend host, Device device) {
        this.host = host;
        this.device = device;
    }

    @Override
    public String name() {
        return host.name() + "-via-host";
    }

    @Override
    public boolean supports(Device d) {
        return device.equals(d);
    }

    @Override
    public GroupStats analyze(NDArray x, int groupSize) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true)) {
            return host.analyze(onHost, groupSize);
        }
    }

    @Override
    public PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                PackedTensor packed = host.quantize(onHost, stats, spec, manager)) {
            return packed.toDevice(device);
        }
    }

    @Override
    public NDArray dequantize(PackedTensor packed, NDManager manager) {
        // packed lives on the (non-host) device, so toDevice makes a copy that is ours to close
        try (PackedTensor onHost = packed.toDevice(Device.cpu());
                NDArray x = host.dequantize(onHost, manager)) {
            return x.toDevice(device, true);
        }
    }

    @Override
    public PackedMask packPositive(NDArray x, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                PackedMask mask = host.packPositive(onHost, manager)) {
            return new PackedMask(mask.getShape(), mask.getStorage().toDevice(device, true));
        }
    }

    @Override
    public PackedMask packNonZero(NDArray m, NDManager manager) {
        try (NDArray onHost = m.toDevice(Device.cpu(), true);
                PackedMask mask = host.packNonZero(onHost, manager)) {
            return new PackedMask(mask.getShape(), mask.getStorage().toDevice(device, true));
        }
    }

    @Override
    public PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager) {
        try (PackedMask mask = host.randomKeepMask(shape, rate, key, manager)) {
            return new PackedMask(shape, mask.getStorage().toDevice(device, true));
        }
    }

    @Override
    public NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager) {
        try (NDArray g = grad.toDevice(Device.cpu(), true);
                PackedMask m = new PackedMask(mask.getShape(), mask.getStorage().toDevice(Device.cpu(), true));
                NDArray r = host.applyMask(g, m, scale, manager)) {
            return r.toDevice(device, true);
        }
    }

    @Override
    public NDArray unpackMask(PackedMask mask, NDManager manager) {
        try (PackedMask m = new PackedMask(mask.getShape(), mask.getStorage().toDevice(Device.cpu(), true));
                NDArray r = host.unpackMask(m, manager)) {
            return r.toDevice(device, true);
        }
    }

}
