package ai.actnn.nn.transformer;

import ai.actnn.policy.ActivationSite;
import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.CompressedOp;
import ai.actnn.autograd.GradMode;
import ai.actnn.store.SavedActivation;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.NativeOps;
import ai.actnn.quant.PackedMask;
import ai.actnn.quant.QuantizerBackend;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The parameter-free middle of scaled dot-product attention, from the projected queries, keys
 * and values to the merged heads, recorded as one op:
 *
 * <pre>
 *   S = Q K^T / sqrt(H) + offsets;  P = softmax(S);  Pd = dropout(P);  O = Pd V
 * </pre>
 *
 * <p>It saves Q, K and V (compressed), the softmax output P (compressed) and, when dropout is
 * on, its keep mask (1 bit). The scores are never kept: the softmax backward works from its
 * output ({@code dS = P * (dP - sum(dP * P))}), and {@code Pd} is rebuilt from P and the mask.
 * Shapes follow DJL's {@code ScaledDotProductAttentionBlock}: B samples, N heads of size H, T
 * query positions and F key positions.
 */
final class AttentionCore {

    /** The sites where the core saves. */
    static final class Sites {
        final ActivationSite query = new ActivationSite("QAttention.query", ActivationSite.Kind.LINEAR, 1);
        final ActivationSite key = new ActivationSite("QAttention.key", ActivationSite.Kind.LINEAR, 1);
        final ActivationSite value = new ActivationSite("QAttention.value", ActivationSite.Kind.LINEAR, 1);
        final ActivationSite probabilities =
                new ActivationSite("QAttention.softmax", ActivationSite.Kind.OTHER, 1);

        Sites() {
            // Attention probabilities are the most sensitive tensor of a transformer: at 2 bits
            // one step's gradient error is about 1.5 times the gradient. They belong to layer
            // group 1, 8 bits by default ([2, 8, 8]); they are a small part of the elements.
            probabilities.setLayerGroup(1);
        }
    }

    /** The dimensions of one call. */
    static final class Dims {
        final long batch;
        final long heads;
        final long headSize;
        final long to;
        final long from;

        Dims(long batch, long heads, long headSize, long to, long from) {
            this.batch = batch;
            this.heads = heads;
            this.headSize = headSize;
            this.to = to;
            this.from = from;
        }

        NDArray heads(NDArray x, long length) {
            // (B, L, E) -> (B, N, L, H), as DJL's createAttentionHeadsFromEmbeddings.
            try (NDArray r = x.reshape(batch, length, heads, headSize)) {
                return r.transpose(0, 2, 1, 3);
            }
        }

        NDArray merge(NDArray x, long length) {
            // (B, N, L, H) -> (B, L, E)
            try (NDArray t = x.transpose(0, 2, 1, 3)) {
                return t.reshape(batch, length, heads * headSize);
            }
        }
    }

    private AttentionCore() {}

    /**
     * Computes the merged attention heads and records the op.
     *
     * @param tape the step's tape
     * @param q the projected queries (B, T, E)
     * @param k the projected keys (B, F, E)
     * @param v the projected values (B, F, E)
     * @param offsets score offsets broadcastable to (B, N, T, F), or null
     * @param dims the dimensions
     * @param dropoutRate the dropout rate of the probabilities
     * @param sites where to save
     * @return the merged heads (B, T, E)
     */
    static NDArray forward(
            Tape tape, NDArray q, NDArray k, NDArray v, NDArray offsets, Dims dims, float dropoutRate, Sites sites) {
        float scale = 1f / (float) Math.sqrt(dims.headSize);
        QuantizerBackend backend = tape.store().backendFor(q);
        PackedMask keep = null;
        float keepScale = dropoutRate >= 1 ? 0f : 1f / (1f - dropoutRate);
        NDArray probs;
        NDArray merged;
        try (GradMode off = GradMode.disabled()) {
            try (NDArray qh = dims.heads(q, dims.to);
                    NDArray kh = dims.heads(k, dims.from);
                    NDArray kt = kh.transpose(0, 1, 3, 2);
                    NDArray scores = qh.matMul(kt)) {
                scores.muli(scale);
                if (offsets != null) {
                    scores.addi(offsets);
                }
                probs = scores.softmax(3);
            }
            NDArray dropped = probs;
            if (dropoutRate > 0) {
                keep = backend.randomKeepMask(probs.getShape(), dropoutRate, tape.store().nextKey(), tape.getManager());
                tape.store().countExternal(keep.byteSize(), probs.size());
                dropped = backend.applyMask(probs, keep, keepScale, probs.getManager());
            }
            try (NDArray vh = dims.heads(v, dims.from); NDArray o = dropped.matMul(vh)) {
                merged = dims.merge(o, dims.to);
            }
            if (dropped != probs) {
                dropped.close();
            }
        }
        SavedActivation sq = tape.store().save(q, sites.query);
        SavedActivation sk = tape.store().save(k, sites.key);
        SavedActivation sv = tape.store().save(v, sites.value);
        SavedActivation sp = tape.store().save(probs, sites.probabilities);
        probs.close();
        Op op = new Op(dims, scale, backend, keep, keepScale, sq, sk, sv, sp, sites);
        tape.record(op, new NDList(q, k, v), new NDList(merged));
        return merged;
    }

    /** The recorded backward. */
    private static final class Op implements CompressedOp {
        private final Dims dims;
        private final float scale;
        private final QuantizerBackend backend;
        private final PackedMask keep;
        private final float keepScale;
        private final SavedActivation q;
        private final SavedActivation k;
        private final SavedActivation v;
        private final SavedActivation probs;
        private final Sites sites;

        Op(
                Dims dims,
                float scale,
                QuantizerBackend backend,
                PackedMask keep,
                float keepScale,
                SavedActivation q,
                SavedActivation k,
                SavedActivation v,
                SavedActivation probs,
                Sites sites) {
            this.dims = dims;
            this.scale = scale;
            this.backend = backend;
            this.keep = keep;
            this.keepScale = keepScale;
            this.q = q;
            this.k = k;
            this.v = v;
            this.probs = probs;
            this.sites = sites;
        }

        @Override
        public String name() {
            return "QAttention.core";
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDManager out = ctx.getManager();
            NDArray grad = gradOutputs.singletonOrThrow();
            try (NDManager scratch = out.newSubManager()) {
                NDArray dO = dims.heads(grad, dims.to);
                dO.attach(scratch);
                NDArray p = probs.restore(scratch);
                NDArray pd = keep == null ? p : backend.applyMask(p, keep, keepScale, scratch);
                NDArray vh = heads(v, dims.from, scratch);
                // dV = Pd^T dO
                NDArray dv = dims.merge(pd.transpose(0, 1, 3, 2).matMul(dO), dims.from);
                // dPd = dO V^T, then through dropout and softmax (from its output), then the scale.
                NDArray dpd = dO.matMul(vh.transpose(0, 1, 3, 2));
                NDArray dp = keep == null ? dpd : backend.applyMask(dpd, keep, keepScale, scratch);
                NDArray ds = NativeOps.softmaxBackward(dp, p, 3, scratch);
                ds.muli(scale);
                NDArray qh = heads(q, dims.to, scratch);
                NDArray kh = heads(k, dims.from, scratch);
                NDArray dq = dims.merge(ds.matMul(kh), dims.to);
                NDArray dk = dims.merge(ds.transpose(0, 1, 3, 2).matMul(qh), dims.from);
                NDList result = new NDList(dq, dk, dv);
                result.attach(out);
                return result;
            }
        }

        private NDArray heads(SavedActivation saved, long length, NDManager scratch) {
            NDArray x = saved.restore(scratch);
            return dims.heads(x, length);
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
            probs.close();
            if (keep != null) {
                keep.close();
            }
        }
    }
}
