package ai.actnn.training;

import ai.actnn.config.ActNNConfig;
import ai.actnn.policy.ActivationSite;
import ai.actnn.policy.BitPolicy;
import ai.actnn.quant.GroupStats;
import ai.djl.ndarray.NDArray;

/**
 * A trainer's bit policy as the splits of a step on worker threads see it: every call is made
 * under the policy's lock (policies expect one caller at a time), and the end of a split's
 * backward is not passed on: the step's collector ends the backward once for all splits, so that
 * a split step adapts its bits as often as an unsplit one.
 */
final class SplitPolicy implements BitPolicy {

    private final BitPolicy policy;

    SplitPolicy(BitPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void beginStep(ActNNConfig config, long[] sampleIndices) {
        synchronized (policy) {
            policy.beginStep(config, sampleIndices);
        }
    }

    @Override
    public boolean needsStats(ActivationSite site) {
        synchronized (policy) {
            return policy.needsStats(site);
        }
    }

    @Override
    public int[] bitsFor(ActivationSite site, GroupStats stats, int samples) {
        synchronized (policy) {
            return policy.bitsFor(site, stats, samples);
        }
    }

    @Override
    public boolean wantsGradients(ActivationSite site) {
        synchronized (policy) {
            return policy.wantsGradients(site);
        }
    }

    @Override
    public boolean wantsGradientNorm(ActivationSite site) {
        synchronized (policy) {
            return policy.wantsGradientNorm(site);
        }
    }

    @Override
    public void observeGradient(ActivationSite site, NDArray gradOutput) {
        synchronized (policy) {
            policy.observeGradient(site, gradOutput);
        }
    }

    @Override
    public void observeGradientNorm(ActivationSite site, double squaredNorm) {
        synchronized (policy) {
            policy.observeGradientNorm(site, squaredNorm);
        }
    }

    @Override
    public void observeGradients(ActivationSite site, NDArray gradOutput, NDArray fed) {
        synchronized (policy) {
            policy.observeGradients(site, gradOutput, fed);
        }
    }

    @Override
    public void endBackward() {
        // once per step, by the collector
    }

    @Override
    public String describe() {
        synchronized (policy) {
            return policy.describe();
        }
    }
}
