package ai.actnn.store;

import ai.actnn.quant.Backend;
import ai.actnn.quant.CodeCodec;
import ai.actnn.quant.GroupStats;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.PackedTensor;
import ai.actnn.quant.QuantizeSpec;
import ai.actnn.quant.Quantizer;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Optional;

/**
 * A backend for a device without one of its own: copies tensors to host memory, runs the CPU
 * backend there and moves the results back. Correct everywhere, at the cost of the copies.
 */
final class HostCopyBackend implements Backend, Quantizer, MaskCodec, CodeCodec {

    private final Backend host;
    private final Device device;

    HostCopyBackend(Backend host, Device device) {
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
    public Quantizer quantizer() {
        return this;
    }

    @Override
    public MaskCodec masks() {
        return this;
    }

    @Override
    public Optional<CodeCodec> codes() {
        return host.codes().isPresent() ? Optional.of(this) : Optional.empty();
    }

    @Override
    public GroupStats analyze(NDArray x, int groupSize) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true)) {
            return host.quantizer().analyze(onHost, groupSize);
        }
    }

    @Override
    public PackedTensor quantize(NDArray x, GroupStats stats, QuantizeSpec spec, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                PackedTensor packed = host.quantizer().quantize(onHost, stats, spec, manager)) {
            return packed.toDevice(device);
        }
    }

    @Override
    public NDArray dequantize(PackedTensor packed, NDManager manager) {
        // packed lives on the (non-host) device, so toDevice makes a copy that is ours to close
        try (PackedTensor onHost = packed.toDevice(Device.cpu());
                NDArray x = host.quantizer().dequantize(onHost, manager)) {
            return x.toDevice(device, true);
        }
    }

    @Override
    public PackedMask packPositive(NDArray x, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                PackedMask mask = host.masks().packPositive(onHost, manager)) {
            return toDevice(mask);
        }
    }

    @Override
    public PackedMask packInRange(NDArray x, Range range, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                PackedMask mask = host.masks().packInRange(onHost, range, manager)) {
            return toDevice(mask);
        }
    }

    @Override
    public PackedMask randomKeepMask(Shape shape, float rate, long key, NDManager manager) {
        try (PackedMask mask = host.masks().randomKeepMask(shape, rate, key, manager)) {
            return toDevice(mask);
        }
    }

    @Override
    public NDArray applyMask(NDArray grad, PackedMask mask, float scale, NDManager manager) {
        try (NDArray onHost = grad.toDevice(Device.cpu(), true);
                PackedMask m = mask.toDevice(Device.cpu());
                NDArray out = host.masks().applyMask(onHost, m, scale, manager)) {
            return out.toDevice(device, true);
        }
    }

    @Override
    public NDArray packCodes(NDArray x, float[] boundaries, float scale, int bits, NDManager manager) {
        try (NDArray onHost = x.toDevice(Device.cpu(), true);
                NDArray codes = hostCodes().packCodes(onHost, boundaries, scale, bits, manager)) {
            return codes.toDevice(device, true);
        }
    }

    @Override
    public NDArray applyCodes(NDArray grad, NDArray packed, float[] values, int bits, NDManager manager) {
        try (NDArray g = grad.toDevice(Device.cpu(), true);
                NDArray p = packed.toDevice(Device.cpu(), true);
                NDArray out = hostCodes().applyCodes(g, p, values, bits, manager)) {
            return out.toDevice(device, true);
        }
    }

    private CodeCodec hostCodes() {
        return host.codes().orElseThrow(() -> new IllegalStateException(host.name() + " has no code codec"));
    }

    private PackedMask toDevice(PackedMask mask) {
        return new PackedMask(mask.getShape(), mask.getStorage().toDevice(device, true));
    }
}
