package ai.actnn.nn.transformer;

import ai.actnn.autograd.BackwardContext;
import ai.actnn.autograd.ForwardContext;
import ai.actnn.autograd.QFunction;
import ai.actnn.autograd.Tape;
import ai.actnn.internal.ActivationOps;
import ai.actnn.policy.ActivationSite;
import ai.actnn.store.SavedMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

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
        // Attention probabilities are the most sensitive tensor of a transformer: at 2 bits one
        // step's gradient error is about 1.5 times the gradient. They belong to layer group 1, 8
        // bits by default ([2, 8, 8]). Each site is the left factor of a product in the
        // backward (P in dV = P^T dO, Q in dK, K in dQ, V in dP), hence LINEAR: the auto level
        // bounds each one's error from the row-paired gradient the backward reports.
        final ActivationSite probabilities =
                new ActivationSite("QAttention.softmax", ActivationSite.Kind.LINEAR, 1, 1);
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

    // The gradients the backward reports for the auto level's bounds (docs/levels.md): for each
    // saved activation, the output gradient of the product it is the left factor of, arranged so
    // that a row of it (over its last axis) pairs with the activation's row.

    /**
     * P (B, N, T, F) enters {@code dV = Pd^T dO} per head: its rows pair with dO's (B, N, T, H);
     * dropout scales P's error by at most {@code keep}.
     */
    static NDArray pairedWithProbabilities(NDArray dO, float keep) {
        return dO.mul(keep);
    }

    /**
     * Q (B, T, E) enters {@code dK = dS^T Q} per head: a row of Q pairs with dS's rows of every
     * head at that query, (B, T, N * F); a head's share of a row's variance is at most the row's.
     */
    static NDArray pairedWithQueries(NDArray ds, Dims dims) {
        try (NDArray t = ds.transpose(0, 2, 1, 3)) {
            return t.reshape(dims.batch, dims.to, -1);
        }
    }

    /** K (B, F, E) enters {@code dQ = dS K} per head: its rows pair with dS^T's, (B, F, N * T). */
    static NDArray pairedWithKeys(NDArray ds, Dims dims) {
        try (NDArray t = ds.transpose(0, 3, 1, 2)) {
            return t.reshape(dims.batch, dims.from, -1);
        }
    }

    /**
     * V (B, F, E) enters {@code dP = dO V^T} per head, which sums over V's columns: entry (t, f)
     * has variance {@code sum_d dO[t, d]^2 Var(V[f, d])}, so each row of V pairs with one value
     * per sample (B, F, 1) at least every column's energy {@code sum_t dO[t, d]^2}, and at least
     * a row's share of {@code ||dO||^2} (so that the nearest-rounding form stays a bound too).
     */
    static NDArray pairedWithValues(NDArray dO, Dims dims, float keep) {
        long b = dims.batch;
        try (NDArray squares = dO.square();
                NDArray columns = squares.sum(new int[] {2});
                NDArray flat = columns.reshape(b, -1);
                NDArray widest = flat.max(new int[] {1});
                NDArray total = flat.sum(new int[] {1});
                NDArray share = total.div(dims.from);
                NDArray energy = widest.maximum(share);
                NDArray root = energy.sqrt();
                NDArray scaled = root.mul(keep);
                NDArray column = scaled.reshape(b, 1, 1)) {
            return column.repeat(1, dims.from);
        }
    }

    /**
     * Computes the merged attention heads on a tape.
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
        return tape.apply(new Function(offsets, dims, dropoutRate, sites), new NDList(q, k, v)).singletonOrThrow();
    }

    /** The core as one recorded op. */
    private static final class Function implements QFunction {
        private final NDArray offsets;
        private final Dims dims;
        private final float dropoutRate;
        private final float keepScale;
        private final float scale;
        private final Sites sites;

        Function(NDArray offsets, Dims dims, float dropoutRate, Sites sites) {
            this.offsets = offsets;
            this.dims = dims;
            this.dropoutRate = dropoutRate;
            this.keepScale = dropoutRate >= 1 ? 0f : 1f / (1f - dropoutRate);
            this.scale = 1f / (float) Math.sqrt(dims.headSize);
            this.sites = sites;
        }

        @Override
        public String name() {
            return "QAttention.core";
        }

        @Override
        public NDList forward(ForwardContext ctx, NDList inputs) {
            NDArray q = inputs.get(0);
            NDArray k = inputs.get(1);
            NDArray v = inputs.get(2);
            NDArray probs;
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
                SavedMask keep = ctx.saveKeepMask(probs.getShape(), dropoutRate, probs.getDevice());
                dropped = keep.apply(probs, keepScale, probs.getManager());
            }
            NDArray merged;
            try (NDArray vh = dims.heads(v, dims.from);
                    NDArray o = dropped.matMul(vh)) {
                merged = dims.merge(o, dims.to);
            }
            if (dropped != probs) {
                dropped.close();
            }
            ctx.save(q, sites.query);
            ctx.save(k, sites.key);
            ctx.save(v, sites.value);
            ctx.save(probs, sites.probabilities);
            probs.close();
            return new NDList(merged);
        }

        @Override
        public NDList backward(BackwardContext ctx, NDList gradOutputs) {
            NDArray grad = gradOutputs.singletonOrThrow();
            NDArray dO = dims.heads(grad, dims.to);
            // Every temporary below derives from dO or a restored array: all in the scratch
            // manager, freed right after this backward.
            dO.attach(ctx.getManager());
            NDArray p = ctx.restore(3);
            NDArray pd = dropoutRate > 0 ? ctx.applyMask(0, p, keepScale) : p;
            NDArray vh = heads(ctx, 2, dims.from);
            // dV = Pd^T dO
            NDArray dv = dims.merge(pd.transpose(0, 1, 3, 2).matMul(dO), dims.from);
            // dPd = dO V^T, then through dropout and softmax (from its output), then the scale.
            NDArray dpd = dO.matMul(vh.transpose(0, 1, 3, 2));
            NDArray dp = dropoutRate > 0 ? ctx.applyMask(0, dpd, keepScale) : dpd;
            NDArray ds = ActivationOps.softmaxBackward(dp, p, 3, ctx.getManager());
            ds.muli(scale);
            NDArray qh = heads(ctx, 0, dims.to);
            NDArray kh = heads(ctx, 1, dims.from);
            NDArray dq = dims.merge(ds.matMul(kh), dims.to);
            NDArray dk = dims.merge(ds.transpose(0, 1, 3, 2).matMul(qh), dims.from);
            report(ctx, dO, ds, dv, dk, dq, dp);
            return new NDList(
                    ctx.needsInputGradient(0) ? dq : null,
                    ctx.needsInputGradient(1) ? dk : null,
                    ctx.needsInputGradient(2) ? dv : null);
        }

        /** Reports each saved activation with the gradient of the product it is the left factor of. */
        private void report(
                BackwardContext ctx, NDArray dO, NDArray ds, NDArray dv, NDArray dk, NDArray dq, NDArray dp) {
            float keep = dropoutRate > 0 ? keepScale : 1f;
            ctx.reportGradients(3, () -> pairedWithProbabilities(dO, keep), dv);
            ctx.reportGradients(0, () -> pairedWithQueries(ds, dims), dk);
            ctx.reportGradients(1, () -> pairedWithKeys(ds, dims), dq);
            ctx.reportGradients(2, () -> pairedWithValues(dO, dims, keep), dp);
        }

        private NDArray heads(BackwardContext ctx, int activation, long length) {
            try (NDArray x = ctx.restore(activation)) {
                NDArray h = dims.heads(x, length);
                h.attach(ctx.getManager());
                return h;
            }
        }
    }
}
