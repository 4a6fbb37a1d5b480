package ai.actnn.autograd;

import ai.actnn.internal.Autograd;
import ai.actnn.internal.DjlCompatibility;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.store.ActivationStore;
import ai.actnn.store.CompressionStep;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The record of the compressed ops ({@link QFunction}s) of one training step on one thread, and
 * their backward.
 *
 * <p>Forward ({@link #apply}): an input produced by an earlier recorded op is linked to it; any
 * other input or parameter that takes part in autograd (a leaf that requires a gradient, or the
 * result of ordinary ops) is linked to autograd. The function runs without an autograd graph and
 * saves through its context into the step's {@link ActivationStore}. Outputs are made autograd
 * leaves, so that ordinary ops consuming them (a loss, user code) are differentiated by autograd
 * as usual.
 *
 * <p>Backward ({@link #backward()}, right after autograd's backward of the loss): entries are
 * visited in reverse order. An entry's output gradient is the sum of what later ops sent it and
 * what autograd accumulated on the output leaf; its input gradients go to the producing ops or
 * into autograd, its parameter gradients into the parameters' gradients, where DJL's optimizer
 * reads them. What an op saved is freed right after its backward, so memory falls during backward
 * as it does with autograd; closing the tape frees everything, also after an exception.
 *
 * <p>Containers that know an output is consumed only by recorded ops {@link #release} it: the tape
 * then stops holding it, and the container may close it, which frees the full-precision
 * activation as soon as nothing needs it. One tape is current per thread between the creation
 * and the close of a step's gradient collector.
 *
 * <p>Threads: a tape is used by one thread at a time. A step whose batch is split over worker
 * threads (DJL's {@code EasyTrain} with an executor) has one tape per split, opened on the worker
 * thread and {@linkplain #detach() detached} from it when the split's work is done; the step's
 * collector closes them all. The splits of a step meet through the tape's {@link #collective()}.
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
    private StepCollective collective = StepCollective.SINGLE;
    private BackwardObserver observer;

    private Tape(NDManager manager, CompressionStep step) {
        this.manager = manager;
        this.store = new ActivationStore(step, manager);
        this.policy = step.policy();
    }

    /**
     * Opens a tape and makes it current on this thread.
     *
     * @param step the step's configuration, bit policy and random key
     * @param parent the manager under which the tape's own manager is created
     * @return the tape
     * @throws IllegalStateException if a tape is already current on this thread
     */
    public static Tape open(CompressionStep step, NDManager parent) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException(
                    "An ActNN gradient collector is already open on this thread: close it before"
                            + " opening another (one collector per training step)");
        }
        DjlCompatibility.check();
        NDManager manager = parent.newSubManager();
        manager.setName("actnn-tape");
        Tape tape = new Tape(manager, step);
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
     * Stops being the current tape of this thread without closing: the tape of a split that ran
     * on a worker thread, which the step's collector closes later (from another thread).
     */
    public void detach() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }

    /**
     * Returns the parties this tape's step computes batch statistics with.
     *
     * @return the collective ({@link StepCollective#SINGLE} unless the step is split or
     *     distributed)
     */
    public StepCollective collective() {
        return collective;
    }

    /**
     * Sets the parties this tape's step computes batch statistics with (the step's collector does).
     *
     * @param collective the collective
     */
    public void setCollective(StepCollective collective) {
        if (collective == null) {
            throw new IllegalArgumentException("collective must not be null");
        }
        this.collective = collective;
    }

    /**
     * Sets who watches this tape's backward (gradient synchronisation of data-parallel training).
     *
     * @param observer the observer, or null for none
     */
    public void setObserver(BackwardObserver observer) {
        this.observer = observer;
    }

    /**
     * Runs work with no tape current on this thread (Q-layers inside then run plain autograd):
     * for recomputations inside a compressed backward, which must not record themselves.
     *
     * @param work the work
     * @param <T> its result type
     * @return its result
     */
    public static <T> T withoutTape(Supplier<T> work) {
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
     * Runs a function without parameters and records it.
     *
     * @param function the function
     * @param inputs its inputs
     * @return its outputs, autograd leaves that the tape holds until released
     */
    public NDList apply(QFunction function, NDList inputs) {
        return apply(function, inputs, new NDList());
    }

    /**
     * Runs a function and records it: its forward computes without an autograd graph and saves
     * through its context; if the forward fails, nothing it saved is kept.
     *
     * @param function the function
     * @param inputs its inputs
     * @param parameters its parameters (the arrays {@code ParameterStore.getValue} returned)
     * @return its outputs, autograd leaves that the tape holds until released
     */
    public NDList apply(QFunction function, NDList inputs, NDList parameters) {
        checkOpen();
        Entry entry = link(function, inputs, parameters);
        NDList outputs;
        try (GradMode off = GradMode.disabled()) {
            outputs = function.forward(entry.context, inputs);
        } catch (RuntimeException | Error e) {
            entry.context.close();
            throw e;
        }
        entry.outputs = new Slot[outputs.size()];
        for (int j = 0; j < outputs.size(); j++) {
            NDArray out = outputs.get(j);
            if (producers.containsKey(out) || containsSame(inputs, out)) {
                entry.context.close();
                throw new IllegalStateException(
                        function.name() + " returned an array that is one of its inputs or another op's"
                                + " output: a function must return new arrays");
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
        return outputs;
    }

    /** Links each input to its producer or to autograd, and decides which gradients are needed. */
    private Entry link(QFunction function, NDList inputs, NDList parameters) {
        int n = inputs.size();
        Slot[] slots = new Slot[n];
        List<NDArray> unlinked = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Slot producer = producers.get(inputs.get(i));
            if (producer != null) {
                slots[i] = producer;
            } else {
                unlinked.add(inputs.get(i));
                positions.add(i);
            }
        }
        unlinked.addAll(parameters);
        boolean[] inAutograd = Autograd.requiresGrad(unlinked.toArray(new NDArray[0]));
        NDArray[] autograd = new NDArray[n + parameters.size()];
        boolean[] needsInput = new boolean[n];
        for (int i = 0; i < n; i++) {
            needsInput[i] = slots[i] != null;
        }
        for (int k = 0; k < positions.size(); k++) {
            if (inAutograd[k]) {
                int i = positions.get(k);
                autograd[i] = inputs.get(i);
                needsInput[i] = true;
            }
        }
        boolean[] needsParameter = new boolean[parameters.size()];
        for (int p = 0; p < parameters.size(); p++) {
            if (inAutograd[positions.size() + p]) {
                needsParameter[p] = true;
                autograd[n + p] = parameters.get(p);
            }
        }
        FunctionContext context = new FunctionContext(store, policy, parameters, needsInput, needsParameter);
        return new Entry(function, context, slots, autograd);
    }

    private static boolean containsSame(NDList list, NDArray array) {
        for (NDArray a : list) {
            if (a == array) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns whether an array is an output of a recorded op that the tape still holds.
     *
     * @param array the array
     * @return whether the tape holds it
     */
    public boolean holds(NDArray array) {
        Slot slot = producers.get(array);
        return slot != null && slot.held != null;
    }

    /**
     * Stops holding an output that only recorded ops consumed: its gradient will come from them
     * alone. The caller may then close the array.
     *
     * @param array an output of a recorded op
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
     * Marks held outputs that a container passes to the block it calls next and will not use
     * after that call: the block may release them as soon as it has consumed them, instead of
     * the container after the call. The marks last until {@link #takeDonations} or {@link
     * #withdraw} clears them.
     *
     * @param arrays outputs of recorded ops (arrays the tape does not hold are not marked)
     */
    public void donate(Iterable<NDArray> arrays) {
        for (NDArray a : arrays) {
            Slot slot = producers.get(a);
            if (slot != null && slot.held != null) {
                slot.donated = true;
            }
        }
    }

    /**
     * Returns which of a block's inputs were donated to it, and clears their marks: the block
     * now decides when they go.
     *
     * @param inputs the block's inputs
     * @return the donated ones (identity set; empty when none)
     */
    public Set<NDArray> takeDonations(NDList inputs) {
        Set<NDArray> given = Collections.newSetFromMap(new IdentityHashMap<>());
        for (NDArray a : inputs) {
            Slot slot = producers.get(a);
            if (slot != null && slot.donated) {
                slot.donated = false;
                given.add(a);
            }
        }
        return given;
    }

    /**
     * Clears the donation marks of arrays whose receiver did not take them.
     *
     * @param arrays the arrays donated before a call
     */
    public void withdraw(Iterable<NDArray> arrays) {
        for (NDArray a : arrays) {
            Slot slot = producers.get(a);
            if (slot != null) {
                slot.donated = false;
            }
        }
    }

    /**
     * Returns the number of ops recorded since the tape was opened.
     *
     * @return the count
     */
    public long recordedOps() {
        return recorded;
    }

    /**
     * Returns the bytes this step saved for its backward, each tensor counted once, as the store
     * counted them when they were saved.
     *
     * @return the bytes
     */
    public long savedBytes() {
        return store.storedBytes();
    }

    /**
     * Returns the bytes of the arrays the step's store holds right now, read from DJL's manager:
     * equal to {@link #savedBytes()} between the forward and the backward.
     *
     * @return the bytes
     */
    public long heldBytes() {
        return store.heldBytes();
    }

    /**
     * Returns the average bits per saved element (metadata included), or NaN if nothing was
     * saved.
     *
     * @return the average bits
     */
    public double averageBits() {
        return store.averageBits();
    }

    /**
     * Runs the backward of every op recorded since the last backward. Call right after
     * autograd's backward of the loss (the ActNN gradient collector does).
     */
    public void backward() {
        checkOpen();
        List<Entry> pending = new ArrayList<>(entries);
        entries.clear();
        producers.clear();
        store.clearCache();
        BackwardObserver watching = observer;
        Map<NDArray, Integer> firstUse = watching == null ? null : firstUses(pending);
        if (watching != null) {
            watching.backwardStarted();
        }
        try (GradMode off = GradMode.disabled()) {
            for (int e = pending.size() - 1; e >= 0; e--) {
                Entry entry = pending.remove(e);
                try {
                    run(entry);
                } finally {
                    entry.close();
                }
                if (watching != null) {
                    notifyDone(watching, entry, e, firstUse);
                }
            }
            policy.endBackward();
            if (watching != null) {
                watching.backwardEnded();
            }
        } finally {
            for (Entry entry : pending) {
                entry.close();
            }
        }
    }

    /** For each parameter array, the first entry (in forward order) that takes it. */
    private static Map<NDArray, Integer> firstUses(List<Entry> pending) {
        Map<NDArray, Integer> first = new IdentityHashMap<>();
        for (int e = 0; e < pending.size(); e++) {
            Entry entry = pending.get(e);
            for (int i = entry.slots.length; i < entry.autograd.length; i++) {
                if (entry.autograd[i] != null) {
                    first.putIfAbsent(entry.autograd[i], e);
                }
            }
        }
        return first;
    }

    /** Tells the observer the parameters whose last contribution (backward order) was entry e. */
    private static void notifyDone(BackwardObserver watching, Entry entry, int e, Map<NDArray, Integer> firstUse) {
        List<NDArray> done = null;
        for (int i = entry.slots.length; i < entry.autograd.length; i++) {
            NDArray p = entry.autograd[i];
            Integer first = p == null ? null : firstUse.get(p);
            if (first != null && first == e) {
                firstUse.remove(p);
                if (done == null) {
                    done = new ArrayList<>();
                }
                done.add(p);
            }
        }
        if (done != null) {
            watching.parametersDone(done);
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
            return; // nothing downstream depends on this op (the list holds only nulls)
        }
        for (int j = 0; j < grads.size(); j++) {
            if (grads.get(j) == null) {
                Slot slot = entry.outputs[j];
                grads.set(j, manager.zeros(slot.shape, slot.type));
            }
        }
        NDList results = null;
        try (NDManager scratch = manager.newSubManager()) {
            entry.context.beginBackward(scratch);
            try {
                results = entry.function.backward(entry.context, grads);
            } finally {
                entry.context.endBackward();
            }
            int expected = entry.autograd.length;
            if (results.size() != expected) {
                throw new IllegalStateException(
                        entry.function.name() + " returned " + results.size() + " gradients for "
                                + entry.slots.length + " inputs and "
                                + (expected - entry.slots.length) + " parameters");
            }
            // Keep the results beyond the scratch manager: they are routed to other ops.
            for (NDArray g : results) {
                if (g != null) {
                    g.attach(manager);
                }
            }
            report(entry, grads, results);
            route(entry, results);
        } finally {
            closeOnce(grads, results);
        }
    }

    /**
     * Tells the policy the gradient statistics of an op that saved at one site: the output
     * gradient, and the gradient its saved activation feeds. For layers with parameters that is
     * the first parameter's gradient (a convolution's or linear layer's weight, a normalisation's
     * gamma), or none when that parameter is frozen: the next parameter's gradient (a bias, beta)
     * is another quantity, and passing it in its place would let the policy count it as the
     * gradient its bound is relative to. For other ops it is the input gradient.
     */
    private void report(Entry entry, NDList grads, NDList results) {
        List<ActivationSite> sites = entry.context.sites();
        if (sites.size() != 1 || entry.context.reportedItself()) {
            return;
        }
        ActivationSite site = sites.get(0);
        int inputs = entry.slots.length;
        NDArray fed;
        if (site.getKind() != ActivationSite.Kind.OTHER) {
            fed = results.size() > inputs ? results.get(inputs) : null;
        } else {
            NDArray input = firstNonNull(results, 0, inputs);
            fed = input != null ? input : firstNonNull(results, inputs, results.size());
        }
        BitPolicy.report(policy, site, grads.get(0), fed);
    }

    private static NDArray firstNonNull(NDList list, int from, int to) {
        for (int i = from; i < to; i++) {
            if (list.get(i) != null) {
                return list.get(i);
            }
        }
        return null;
    }

    private void route(Entry entry, NDList results) {
        for (int i = 0; i < results.size(); i++) {
            NDArray g = results.get(i);
            if (g == null) {
                continue;
            }
            if (i < entry.slots.length && entry.slots[i] != null) {
                // The slot keeps its own handle (no copy): arrays returned by ops may alias each
                // other or the output gradient, which is why gradients are never updated in place.
                entry.slots[i].accumulate(g.stopGradient());
            } else if (entry.autograd[i] != null) {
                // An input from ordinary ops continues autograd's backward; on a parameter (a
                // leaf) this accumulates into its gradient, where DJL's optimizer reads it.
                if (i < entry.slots.length && observer != null) {
                    observer.gradientIntoAutograd();
                }
                Autograd.backward(entry.autograd[i], g, i < entry.slots.length);
            }
        }
    }

    /** Closes every gradient array exactly once: results may alias each other or the grads. */
    private static void closeOnce(NDList grads, NDList results) {
        Map<NDArray, Boolean> seen = new IdentityHashMap<>();
        for (NDList list : new NDList[] {grads, results}) {
            if (list == null) {
                continue;
            }
            for (NDArray g : list) {
                if (g != null && seen.put(g, Boolean.TRUE) == null) {
                    g.close();
                }
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
            store.close();
            manager.close();
        } finally {
            if (CURRENT.get() == this) {
                CURRENT.remove();
            }
        }
    }

    /** One recorded op and its links. */
    private static final class Entry {
        final QFunction function;
        final FunctionContext context;
        /** Per input: the producing op's output slot, or null. */
        final Slot[] slots;
        /** Per input, then per parameter: the array to continue autograd from, or null. */
        final NDArray[] autograd;
        Slot[] outputs = new Slot[0];

        Entry(QFunction function, FunctionContext context, Slot[] slots, NDArray[] autograd) {
            this.function = function;
            this.context = context;
            this.slots = slots;
            this.autograd = autograd;
        }

        void close() {
            context.close();
            for (Slot s : outputs) {
                s.clear();
            }
        }
    }

    /** One output of a recorded op: the leaf autograd fills, and what later ops sent it. */
    private static final class Slot {
        final Shape shape;
        final DataType type;
        NDArray held;
        NDArray pending;
        /** Whether a container passed the held output on to the block it is calling. */
        boolean donated;

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
                NDArray leafGrad = Autograd.gradientOrNull(held);
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
