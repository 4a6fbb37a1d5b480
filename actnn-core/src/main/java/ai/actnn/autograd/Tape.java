package ai.actnn.autograd;

import ai.actnn.policy.BitPolicy;
import ai.actnn.store.ActivationStore;

import ai.actnn.internal.NativeOps;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of the Q-ops of one training step on one thread, and their compressed backward.
 *
 * <p>Forward: each Q-op computes without an autograd graph, saves what its backward needs
 * (compressed) and {@link #record records} itself with its inputs and outputs. An input produced
 * by an earlier Q-op is linked to it; any other input that requires a gradient (a tensor built by
 * ordinary autograd ops) is linked to autograd. Outputs are made autograd leaves, so that
 * ordinary ops consuming them (a loss, user code) are differentiated by autograd as usual.
 *
 * <p>Backward ({@link #backward()}, run right after autograd's backward of the loss): entries are
 * visited in reverse order. An entry's output gradient is the sum of what later Q-ops sent it and
 * what autograd accumulated on the output leaf; its input gradients go to the producing Q-ops, or
 * into autograd ({@code backward(input, grad)}) for inputs linked to autograd. Saved activations
 * are freed entry by entry, so memory falls during backward as it does with autograd.
 *
 * <p>Containers that know an output is consumed only by Q-ops {@link #release} it: the tape then
 * stops holding the output (its gradient comes from the consumers), and the container may close
 * it, which frees the full-precision activation as soon as nothing needs it.
 *
 * <p>One tape is current per thread between the creation and the close of a {@link
 * CompressedGradientCollector}; closing it frees everything recorded, also after an exception.
 */
public final class Tape implements AutoCloseable {

    private static final ThreadLocal<Tape> CURRENT = new ThreadLocal<>();

    private final NDManager manager;
    private final ActivationStore store;
    private final BitPolicy policy;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<NDArray, Slot> producers = new IdentityHashMap<>();
    private long recorded;
    private boolean closed;

    private Tape(NDManager manager, ActivationStore store, BitPolicy policy) {
        this.manager = manager;
        this.store = store;
        this.policy = policy;
    }

    /**
     * Opens a tape and makes it current on this thread.
     *
     * @param step the step's compression state (configuration snapshot, policy, key)
     * @param parent the manager under which the tape's own manager is created
     * @return the tape
     * @throws IllegalStateException if a tape is already current on this thread
     */
    public static Tape open(StepState step, NDManager parent) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException(
                    "An ActNN gradient collector is already open on this thread: close it before"
                            + " opening another (one collector per training step)");
        }
        NDManager manager = parent.newSubManager();
        manager.setName("actnn-tape");
        Tape tape =
                new Tape(
                        manager,
                        new ActivationStore(step.config(), step.policy(), manager, step.key()),
                        step.policy());
        CURRENT.set(tape);
        return tape;
    }

    /**
     * Returns the tape of the step in progress on this thread.
     *
     * @return the tape, or null outside an ActNN gradient collector
     */
    public static Tape current() {
        return CURRENT.get();
    }

    /**
     * Runs work with no tape current on this thread (Q-layers inside then run plain autograd):
     * for recomputations inside a compressed backward, which must not record themselves.
     *
     * @param work the work
     * @param <T> its result type
     * @return its result
     */
    public static <T> T withoutTape(java.util.function.Supplier<T> work) {
        Tape previous = CURRENT.get();
        CURRENT.remove();
        try {
            return work.get();
        } finally {
            if (previous != null) {
                CURRENT.set(previous);
            }
        }
    }

    /**
     * Returns the store that saves this step's activations.
     *
     * @return the store
     */
    public ActivationStore store() {
        return store;
    }

    /**
     * Returns the manager owning this step's saved data.
     *
     * @return the manager
     */
    public NDManager getManager() {
        return manager;
    }

    /**
     * Records a Q-op. Its outputs become autograd leaves that the tape holds until released.
     *
     * @param op the op's backward half (owns what the forward saved)
     * @param inputs the op's inputs, as passed to its forward
     * @param outputs the op's outputs, computed without an autograd graph
     */
    public void record(CompressedOp op, NDList inputs, NDList outputs) {
        checkOpen();
        Entry entry = new Entry(op, inputs.size(), outputs.size());
        List<Integer> unknown = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Slot producer = producers.get(inputs.get(i));
            if (producer != null) {
                entry.slots[i] = producer;
            } else {
                unknown.add(i);
            }
        }
        if (!unknown.isEmpty()) {
            // Inputs not produced by Q-ops: those in autograd (leaves that require a gradient,
            // or results of ordinary recorded ops) get their gradient through autograd.
            NDArray[] arrays = new NDArray[unknown.size()];
            for (int k = 0; k < arrays.length; k++) {
                arrays[k] = inputs.get(unknown.get(k));
            }
            boolean[] inAutograd = NativeOps.requiresGrad(arrays);
            for (int k = 0; k < arrays.length; k++) {
                if (inAutograd[k]) {
                    entry.autograd[unknown.get(k)] = arrays[k];
                }
            }
        }
        for (int j = 0; j < outputs.size(); j++) {
            NDArray out = outputs.get(j);
            if (producers.containsKey(out)) {
                throw new IllegalStateException(
                        op.name() + " returned an array that another op already produced");
            }
            boolean floating = out.getDataType().isFloating();
            if (floating) {
                out.setRequiresGradient(true);
            }
            Slot slot = new Slot(out.getShape(), out.getDataType(), floating ? out : null);
            entry.outputs[j] = slot;
            if (floating) {
                producers.put(out, slot);
            }
        }
        entries.add(entry);
        recorded++;
    }

    /**
     * Returns whether an array is an output of a recorded Q-op that the tape still holds.
     *
     * @param array the array
     * @return whether the tape holds it
     */
    public boolean holds(NDArray array) {
        Slot slot = producers.get(array);
        return slot != null && slot.held != null;
    }

    /**
     * Stops holding an output that only Q-ops consumed: its gradient will come from them alone.
     * The caller may then close the array.
     *
     * @param array an output of a recorded Q-op
     * @return whether the tape held it
     */
    public boolean release(NDArray array) {
        Slot slot = producers.remove(array);
        if (slot == null || slot.held == null) {
            return false;
        }
        slot.held = null;
        return true;
    }

    /**
     * Returns the number of Q-ops recorded since the tape was opened.
     *
     * @return the count
     */
    public long recordedOps() {
        return recorded;
    }

    /**
     * Runs the compressed backward of every entry recorded since the last backward. Call after
     * autograd's backward of the loss.
     */
    public void backward() {
        checkOpen();
        List<Entry> pending = new ArrayList<>(entries);
        entries.clear();
        producers.clear();
        store.clearCache();
        try (GradMode off = GradMode.disabled()) {
            for (int e = pending.size() - 1; e >= 0; e--) {
                Entry entry = pending.remove(e);
                try {
                    run(entry);
                } finally {
                    entry.close();
                }
            }
            policy.endBackward();
        } finally {
            for (Entry entry : pending) {
                entry.close();
            }
        }
    }

    private void run(Entry entry) {
        NDList grads = new NDList(entry.outputs.length);
        boolean any = false;
        for (Slot slot : entry.outputs) {
            NDArray g = slot.takeGradient();
            any |= g != null;
            grads.add(g);
        }
        if (!any) {
            grads.close();
            return; // nothing downstream depends on this op
        }
        for (int j = 0; j < grads.size(); j++) {
            if (grads.get(j) == null) {
                Slot slot = entry.outputs[j];
                grads.set(j, manager.zeros(slot.shape, slot.type));
            }
        }
        boolean[] needs = new boolean[entry.slots.length];
        for (int i = 0; i < needs.length; i++) {
            needs[i] = entry.slots[i] != null || entry.autograd[i] != null;
        }
        NDList inputGrads = null;
        try {
            inputGrads = entry.op.backward(new BackwardContext(manager, needs, policy), grads);
            route(entry, needs, inputGrads);
        } finally {
            // Close every gradient array exactly once, whether it was an output gradient, an
            // input gradient or both (pass-through ops return the gradient they were given).
            Map<NDArray, Boolean> seen = new IdentityHashMap<>();
            for (NDArray g : grads) {
                if (g != null && seen.put(g, Boolean.TRUE) == null) {
                    g.close();
                }
            }
            if (inputGrads != null) {
                for (NDArray g : inputGrads) {
                    if (g != null && seen.put(g, Boolean.TRUE) == null) {
                        g.close();
                    }
                }
            }
        }
    }

    private void route(Entry entry, boolean[] needs, NDList inputGrads) {
        for (int i = 0; i < needs.length && i < inputGrads.size(); i++) {
            NDArray g = inputGrads.get(i);
            if (g == null || !needs[i]) {
                continue;
            }
            if (entry.slots[i] != null) {
                // The slot keeps its own handle (no copy): arrays returned by ops may alias each
                // other or the output gradient, which is why gradients are never updated in place.
                entry.slots[i].accumulate(g.stopGradient());
            } else {
                JniUtils.backward(NativeOps.ptArray(entry.autograd[i]), (PtNDArray) g, true, false);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the ActNN tape of this step is closed");
        }
    }

    /**
     * Frees everything recorded and saved, and detaches the tape from the thread. Safe after an
     * exception at any point of a step.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Entry entry : entries) {
                entry.close();
            }
            entries.clear();
            producers.clear();
            store.clearCache();
            manager.close();
        } finally {
            if (CURRENT.get() == this) {
                CURRENT.remove();
            }
        }
    }

    /** One recorded op and its links. */
    private static final class Entry {
        final CompressedOp op;
        final Slot[] slots;
        final NDArray[] autograd;
        final Slot[] outputs;

        Entry(CompressedOp op, int inputs, int outputs) {
            this.op = op;
            this.slots = new Slot[inputs];
            this.autograd = new NDArray[inputs];
            this.outputs = new Slot[outputs];
        }

        void close() {
            op.close();
            for (Slot s : outputs) {
                s.clear();
            }
        }
    }

    /** One output of a recorded op: the leaf autograd fills, and what later Q-ops sent it. */
    private static final class Slot {
        final Shape shape;
        final DataType type;
        NDArray held;
        NDArray pending;

        Slot(Shape shape, DataType type, NDArray held) {
            this.shape = shape;
            this.type = type;
            this.held = held;
        }

        void accumulate(NDArray grad) {
            if (pending == null) {
                pending = grad;
            } else {
                NDArray sum = pending.add(grad);
                pending.close();
                grad.close();
                pending = sum;
            }
        }

        /**
         * Returns the total gradient of this output, or null if none reached it; the caller owns
         * the result.
         */
        NDArray takeGradient() {
            NDArray total = pending;
            pending = null;
            if (held != null && !held.isReleased()) {
                PtNDArray leafGrad = JniUtils.getGradient(NativeOps.ptArray(held));
                if (leafGrad != null) {
                    if (total == null) {
                        total = leafGrad;
                    } else {
                        NDArray sum = total.add(leafGrad);
                        total.close();
                        leafGrad.close();
                        total = sum;
                    }
                }
            }
            return total;
        }

        void clear() {
            held = null;
            if (pending != null) {
                pending.close();
                pending = null;
            }
        }
    }
}
