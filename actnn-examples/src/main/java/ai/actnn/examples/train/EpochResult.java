package ai.actnn.examples.train;

/**
 * The outcome of one epoch.
 *
 * @param epoch the epoch number, from 1
 * @param trainLoss mean training loss over the epoch's steps
 * @param trainAccuracy fraction of training predictions that were right (during the epoch)
 * @param testAccuracy fraction of test images classified right after the epoch
 * @param imagesPerSecond training throughput: batch size / median step time (warm-up excluded)
 * @param seconds wall time of the epoch's training steps
 * @param activationBytes median activation memory of the steps after warm-up (RSS after forward
 *     - RSS before the step), or -1 if not measured
 * @param peakBytes largest peak of a step after warm-up above its start (VmHWM - RSS before), or
 *     -1 if not measured; memory is in MB (MiB) in JSON
 * @param savedBytes what the engine kept for the backward of the epoch's last step by its own
 *     count (packed activations, masks, exact copies), or -1 for plain DJL: exact where the
 *     resident set cannot see tensors that reuse freed memory
 */
public record EpochResult(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double testAccuracy,
        double imagesPerSecond,
        double seconds,
        long activationBytes,
        long peakBytes,
        long savedBytes) {

    /**
     * Returns the epoch in its JSON form (memory in MB; unknown memory as null).
     *
     * @param model the model name
     * @param level the level
     * @return the line
     */
    public EpochLine toJson(String model, String level) {
        return EpochLine.of(model, level, this);
    }
}
