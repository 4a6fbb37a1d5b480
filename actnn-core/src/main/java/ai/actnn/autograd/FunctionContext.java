package ai.actnn.autograd;

import ai.actnn.internal.TorchRandom;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.quant.CodeTable;
import ai.actnn.quant.MaskCodec;
import ai.actnn.quant.MaxPool2dSpec;
import ai.actnn.store.ActivationStore;
import ai.actnn.store.Saved;
import ai.actnn.store.SavedActivation;
import ai.actnn.store.SavedCodes;
import ai.actnn.store.SavedMask;
import ai.actnn.store.SavedOutput;
import ai.actnn.store.SavedPooling;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The context of one recorded op: everything its forward saved (through the step's store, which
 * counts it) and its parameters. It owns the saved items: {@link #close()} frees them, once.
 */
final class FunctionContext implements ForwardContext, BackwardContext, AutoCloseable {

    private final ActivationStore store;
    private final NDList parameters;
    private final boolean[] needsInput;
    private final boolean[] needsParameter;
    private final List<SavedActivation> activations = new ArrayList<>();
    private final List<SavedMask> masks = new ArrayList<>(1);
    private final List<SavedCodes> codes = new ArrayList<>(1);
    private final List<SavedPooling> poolings = new ArrayList<>(1);
    private final List<ActivationSite> sites = new ArrayList<>(1);
    /** The site of each saved activation, by index (null for exact saves). */
    private final List<ActivationSite> activationSites = new ArrayList<>(1);
    private final BitPolicy policy;
    private boolean reportedItself;
    private SavedActivation randomState;
    private NDManager scratch;
    private boolean closed;

    FunctionContext(
            ActivationStore store, BitPolicy policy, NDList parameters, boolean[] needsInput, boolean[] needsParameter) {
        this.store = store;
        this.policy = policy;
        this.parameters = parameters;
        this.needsInput = needsInput;
        this.needsParameter = needsParameter;
    }

    @Override
    public void save(NDArray x, ActivationSite site) {
        activations.add(store.save(x, site));
        activationSites.add(site);
        if (site != null && !sites.contains(site)) {
            sites.add(site);
        }
    }

    @Override
    public void saveExact(NDArray x) {
        activations.add(store.saveExact(x));
        activationSites.add(null);
    }

    @Override
    public NDArray relu(NDArray x) {
        return keep(store.relu(x), masks);
    }

    @Override
    public NDArray reluInPlace(NDArray x) {
        return keep(store.reluInPlace(x), masks);
    }

    @Override
    public void saveRangeMask(NDArray x, MaskCodec.Range range) {
        masks.add(store.saveRangeMask(x, range));
    }

    @Override
    public SavedMask saveKeepMask(Shape shape, float rate, Device device) {
        SavedMask mask = store.saveKeepMask(shape, rate, device);
        masks.add(mask);
        return mask;
    }

    @Override
    public NDArray dropout(NDArray x, float rate) {
        return keep(store.dropout(x, rate), masks);
    }

    @Override
    public NDArray maxPool2d(NDArray x, MaxPool2dSpec spec) {
        return keep(store.maxPool2d(x, spec), poolings);
    }

    /** Keeps what an op saved along with its output, and returns the output. */
    private static <S extends Saved> NDArray keep(SavedOutput<S> result, List<S> kind) {
        kind.add(result.saved());
        return result.output();
    }

    @Override
    public void saveCodes(NDArray x, CodeTable table, float scale) {
        codes.add(store.saveCodes(x, table, scale));
    }

    @Override
    public <T> T runReplayable(Supplier<T> work) {
        try (NDManager temporary = store.newTemporaryManager()) {
            NDArray before = TorchRandom.captureCpuState(temporary);
            T result = work.get();
            try (NDArray after = TorchRandom.captureCpuState(temporary)) {
                if (!after.contentEquals(before)) {
                    randomState = store.saveExact(before);
                }
            }
            return result;
        }
    }

    @Override
    public void declareRecomputable(NDArray output, int activation, UnaryOperator<NDArray> recompute) {
        store.registerRecomputable(output, activations.get(activation), recompute);
    }

    @Override
    public boolean compresses(NDArray x, ActivationSite site) {
        return store.compresses(x, site);
    }

    @Override
    public boolean recomputes() {
        return store.recomputes();
    }

    @Override
    public int configuredBits(ActivationSite site) {
        return store.configuredBits(site);
    }

    @Override
    public int parameterCount() {
        return parameters.size();
    }

    @Override
    public NDArray parameter(int index) {
        return parameters.get(index);
    }

    @Override
    public boolean needsInputGradient(int input) {
        return input >= 0 && input < needsInput.length && needsInput[input];
    }

    @Override
    public boolean needsParameterGradient(int parameter) {
        return parameter >= 0 && parameter < needsParameter.length && needsParameter[parameter];
    }

    @Override
    public NDArray restore(int activation) {
        return activations.get(activation).restore(getManager());
    }

    @Override
    public boolean restoresInPlace(int activation) {
        return activations.get(activation).restoresInPlace();
    }

    @Override
    public NDArray restore(int activation, int from, int to) {
        return activations.get(activation).restore(getManager(), from, to);
    }

    @Override
    public NDArray applyMask(int mask, NDArray grad, float scale) {
        return masks.get(mask).apply(grad, scale, getManager());
    }

    @Override
    public NDArray applyCodes(int index, NDArray grad) {
        return codes.get(index).apply(grad, getManager());
    }

    @Override
    public NDArray maxPool2dBackward(int pooling, NDArray grad) {
        return poolings.get(pooling).backward(grad, getManager());
    }

    @Override
    public <T> T replay(Supplier<T> work) {
        if (randomState == null) {
            return work.get();
        }
        try (NDArray current = TorchRandom.captureCpuState(getManager());
                NDArray saved = randomState.restore(getManager())) {
            TorchRandom.restoreCpuState(saved);
            try {
                return work.get();
            } finally {
                TorchRandom.restoreCpuState(current);
            }
        }
    }

    @Override
    public NDManager getManager() {
        if (scratch == null) {
            throw new IllegalStateException("the op's backward is not running: no manager for temporaries");
        }
        return scratch;
    }

    /** Starts the backward: temporaries go to {@code manager} until {@link #endBackward}. */
    void beginBackward(NDManager manager) {
        scratch = manager;
    }

    /** Ends the backward. */
    void endBackward() {
        scratch = null;
    }

    @Override
    public void reportGradients(int activation, Supplier<NDArray> outputGradient, NDArray fed) {
        ActivationSite site = activationSites.get(activation);
        reportedItself = true;
        if (site == null || !policy.wantsProductGradients(site)) {
            return;
        }
        try (NDArray dy = outputGradient.get()) {
            policy.observeProductGradients(site, dy, fed);
        }
    }

    /** Whether the op's backward reported its sites itself ({@link #reportGradients}). */
    boolean reportedItself() {
        return reportedItself;
    }

    /** The sites where this op saved activations (the keys of its bit statistics). */
    List<ActivationSite> sites() {
        return sites;
    }

    /** Frees everything this op saved (once). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        List<Saved> state = randomState == null ? List.of() : List.of(randomState);
        for (List<? extends Saved> items : List.of(activations, masks, codes, poolings, state)) {
            for (Saved s : items) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
